import Foundation
import Mustache
import TamwatchModel

/// Escapes a value for the inside of a JSON string literal.
struct JSONStringContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        String.jsonStringBody(text)
    }
}
