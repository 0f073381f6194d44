import Foundation

/// `Retry-After` (RFC 9110, section 10.2.3): delay-seconds, or an HTTP-date in any of its three
/// forms. The wait is never negative and never longer than `ceiling`.
public enum RetryAfter {
    /// A day: past that, a server's answer is a mistake, not a plan.
    public static let ceiling: Duration = .seconds(86_400)

    public static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only; a number too long for Int64 is "very long", not an error.
            let seconds = Int64(text) ?? Int64.max
            return min(.seconds(seconds), ceiling)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        let wait = date.timeIntervalSince(now)
        guard wait > 0 else { return .zero }
        return min(.milliseconds(Int64((min(wait, ceiling.seconds) * 1000).rounded(.up))), ceiling)
    }
}
extension HTTPResponse {
    /// The response's `Retry-After`, when it has one that parses.
    public func retryAfter(now: Date = Date()) -> Duration? {
        header("Retry-After").flatMap { RetryAfter.parse($0, now: now) }
    }
}
