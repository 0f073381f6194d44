import Crypto
import Foundation

/// The status page: one self-contained HTML document, `Resources/status-page.html` (inline CSS
/// and script, no CDN, no build step), that renders from the API and follows the event stream,
/// never reloading. Every value is set as text, never as markup. `?live=0` renders once from the API without the stream.
enum StatusPage {
    /// The page, with the CSRF token of the session it is served to ("" without one).
    static func html(csrf: String) -> String {
        template.replacingOccurrences(of: "{{csrf}}", with: csrf.filter { $0.isHexDigit })
    }

    /// Only this page's own style and script run (by their hashes), it talks to this service
    /// only, and no other page may frame it.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src '\(hash(between: "<script>", "</script>"))'; "
        + "style-src '\(hash(between: "<style>", "</style>"))'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// `sha256-…` of the text between the first `open` and the next `close` (as CSP hashes it).
    static func hash(between open: String, _ close: String) -> String {
        guard let start = template.range(of: open), let end = template.range(of: close, range: start.upperBound..<template.endIndex) else {
            return "none"
        }
        return "sha256-" + Data(SHA256.hash(data: Data(template[start.upperBound..<end.lowerBound].utf8))).base64EncodedString()
    }

    /// `Resources/status-page.html`, compiled into the binary: `{{csrf}}` is the one placeholder.
    static let template = String(decoding: PackageResources.status_page_html, as: UTF8.self)
}
