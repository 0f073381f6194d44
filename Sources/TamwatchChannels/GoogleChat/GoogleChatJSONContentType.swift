import Foundation
import Mustache
import TamwatchModel

/// Google Chat's escaping (`<users/all>`), then JSON's.
struct GoogleChatJSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        String.jsonStringBody(GoogleChat.escape(text))
    }
}
