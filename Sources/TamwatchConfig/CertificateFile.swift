import Foundation

/// What makes a `ca_file` unusable: missing, unreadable, or holding no PEM certificate that
/// decodes (libcurl would otherwise fail every TLS transfer later, with a vaguer message).
public enum CertificateFile {
    public static func problem(_ path: String) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return "\(path) does not exist" }
        guard let data = FileManager.default.contents(atPath: path) else { return "\(path) cannot be read" }
        let text = String(decoding: data, as: UTF8.self)
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        var rest = Substring(text)
        var found = 0
        while let start = rest.range(of: begin) {
            guard let stop = rest[start.upperBound...].range(of: end) else { return "\(path): a certificate block has no END line" }
            let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: String(body)), der.first == 0x30, der.count > 64 else {
                return "\(path): certificate \(found + 1) is not valid base64 DER"
            }
            found += 1
            rest = rest[stop.upperBound...]
        }
        return found == 0 ? "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)" : nil
    }
}
