import Foundation
import TamwatchTesting

/// nginx (Debian's nginx-light) answering 204 to every POST over keep-alive HTTP/1.1 with one
/// worker: a receiver that is not the bottleneck, so a benchmark measures the sender.
struct NginxReceiver {
    let process: Process
    let url: String
    let folder: URL

    static var binary: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts nginx in `folder` on a free loopback port; nil when nginx is not installed.
    /// `failing`: answer 503 to about 1.2 % of requests (those whose random request id ends in
    /// 00, 01 or 02), for a sender's retries.
    static func start(in folder: URL, failing: Bool = false) throws -> NginxReceiver? {
        guard let binary else { return nil }
        let root = folder.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        let conf = root.appendingPathComponent("nginx.conf")
        try """
        worker_processes 1;
        daemon off;
        master_process off;
        pid \(root.path)/nginx.pid;
        error_log \(root.path)/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(root.path)/body;
            proxy_temp_path \(root.path)/proxy;
            fastcgi_temp_path \(root.path)/fastcgi;
            uwsgi_temp_path \(root.path)/uwsgi;
            scgi_temp_path \(root.path)/scgi;
            keepalive_requests 10000000;
            keepalive_timeout 60s;
            client_body_buffer_size 64k;
            map $request_id $fail { "~(00|01|02)$" 1; default 0; }
            server {
                listen 127.0.0.1:\(port);
                location / {
                    \(failing ? "if ($fail) { return 503; }" : "")
                    return 204;
                }
            }
        }
        """.write(to: conf, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", root.path, "-c", conf.path, "-e", root.appendingPathComponent("error.log").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Listening once a connection is accepted.
        let deadline = ContinuousClock.now + .seconds(10)
        while !canConnect(port: port) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                process.terminate()
                let log = (try? String(contentsOf: root.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
                throw BenchError(message: "nginx did not start: \(log)")
            }
            usleep(20_000)
        }
        return NginxReceiver(process: process, url: "http://127.0.0.1:\(port)/tam", folder: root)
    }

    /// SIGKILL: nginx inherits this process's blocked signals, so SIGTERM would wait forever.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A loopback port nothing listens on right now.
func freeLoopbackPort() throws -> Int {
    let (fd, port) = try bindLoopback()
    close(fd)
    return port
}

/// Whether something accepts connections on the loopback port.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
