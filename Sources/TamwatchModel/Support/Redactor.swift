import Foundation
import Synchronization

/// Replaces every configured secret (the API key, webhook signing secrets, SMTP passwords,
/// header values such as tokens, webhook URLs) with `[redacted]` in text tamwatch stores, logs,
/// prints or sends, so that a server echoing a secret back cannot get it into an event, a log
/// line or a delivery.
public struct Redactor: Sendable {
    public static let mask = "[redacted]"
    /// Shorter values would blank out ordinary words.
    static let shortest = 4
    /// Longest first, so a secret that contains another is masked whole.
    private let secrets: [String]

    public init(secrets: [String] = []) {
        self.secrets = Array(Set(secrets.filter { $0.count >= Self.shortest })).sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { secrets.isEmpty }

    /// This redactor and `more` secrets besides.
    public func adding(_ more: [String]) -> Redactor { Redactor(secrets: secrets + more) }

    /// The values it masks, to add to another redactor.
    public var secretValues: [String] { secrets }

    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: Self.mask)
        }
        return out
    }

    public func redact(_ text: String?) -> String? { text.map { redact($0) } }

    /// The snapshot's text fields (the API's own words) redacted.
    public func redact(_ s: JobSnapshot) -> JobSnapshot {
        guard !secrets.isEmpty else { return s }
        var out = s
        out.status = JobStatus(rawValue: redact(s.status.rawValue))
        out.progressMessage = redact(s.progressMessage)
        out.errorMessage = redact(s.errorMessage)
        out.manifest?.stopReason = redact(s.manifest?.stopReason)
        out.top = s.top?.map(redact)
        out.sourceQuery = redact(s.sourceQuery)
        return out
    }

    /// Every string in a JSON value (a row of the list) redacted.
    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let items): return .array(items.map(redact))
        case .object(let members): return .object(members.map { ($0.0, redact($0.1)) })
        default: return value
        }
    }
}
