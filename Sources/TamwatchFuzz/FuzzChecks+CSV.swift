import Foundation
import TamwatchModel
import TamwatchResults

#if canImport(Glibc)
    import Glibc
#endif

extension FuzzChecks {
    /// The export's CSV writer: a row of any fields (the input split at 0 bytes, at least two,
    /// as every export row has), written as the export writes it, reads back with Python's csv
    /// module as the same fields.
    public static func csv(_ bytes: [UInt8]) -> String? {
        var input = FuzzInput(bytes)
        var fields = input.strings()
        if fields.count < 2 { fields.append("") }
        let row = fields.map(CSVField.quote).joined(separator: ",") + "\r\n"
        let read: [[String]]
        do { read = try PythonCSV.shared.read(row) } catch { return "Python's csv: \(error)" }
        if read != [fields] {
            return "row \(row.debugDescription.prefix(200)) read back as \(String(describing: read).prefix(200))"
        }
        return nil
    }
}

/// One `python3` for the whole run, reading rows with the csv module: a row goes in as its
/// length and UTF-8 bytes, the rows it read come back as JSON, the same way.
final class PythonCSV: @unchecked Sendable {
    static let shared = PythonCSV()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let lock = NSLock()
    private var process: Process?
    private var input: FileHandle?
    private var output: FileHandle?

    static let script = """
        import csv, io, json, struct, sys
        inp, out = sys.stdin.buffer, sys.stdout.buffer
        while True:
            head = inp.read(4)
            if len(head) < 4: break
            text = inp.read(struct.unpack('>I', head)[0]).decode('utf-8')
            try: answer = json.dumps(list(csv.reader(io.StringIO(text, newline=''))))
            except csv.Error as e: answer = json.dumps(str(e))
            data = answer.encode('utf-8')
            out.write(struct.pack('>I', len(data)) + data); out.flush()
        """

    func read(_ row: String) throws -> [[String]] {
        lock.lock()
        defer { lock.unlock() }
        if process == nil { try start() }
        guard let input, let output else { throw Failure(description: "python3 did not start") }
        let data = Data(row.utf8)
        var length = UInt32(data.count).bigEndian
        try write(Data(bytes: &length, count: 4) + data, to: input)
        let head = try exactly(4, from: output)
        let count = head.reduce(0) { $0 << 8 | Int($1) }
        let answer = try JSONValue.parse(bytes: [UInt8](try exactly(count, from: output)))
        if let message = answer.stringValue { throw Failure(description: message) }
        guard case .array(let rows) = answer else { throw Failure(description: "unexpected answer \(answer.serialized())") }
        return rows.map { row in
            guard case .array(let fields) = row else { return [] }
            return fields.map { $0.stringValue ?? "" }
        }
    }

    /// Ends the python3 process (its input closes) and waits for it.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        try? input?.close()
        process?.waitUntilExit()
        (process, input, output) = (nil, nil, nil)
    }

    // Plain read(2) and write(2), tried again when a signal interrupts them (libFuzzer's timers do).
    private func exactly(_ count: Int, from handle: FileHandle) throws -> Data {
        var data = Data(count: count)
        var got = 0
        while got < count {
            let n = data.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { Glibc.read(handle.fileDescriptor, $0 + got, count - got) } ?? 0
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "python3 ended (is it installed?)") }
            got += n
        }
        return data
    }

    private func write(_ data: Data, to handle: FileHandle) throws {
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeBytes { buffer in
                buffer.baseAddress.map { Glibc.write(handle.fileDescriptor, $0 + sent, data.count - sent) } ?? 0
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "python3 stopped reading") }
            sent += n
        }
    }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let toPython = Pipe()
        let fromPython = Pipe()
        process.standardInput = toPython
        process.standardOutput = fromPython
        try process.run()
        self.process = process
        input = toPython.fileHandleForWriting
        output = fromPython.fileHandleForReading
    }
}
