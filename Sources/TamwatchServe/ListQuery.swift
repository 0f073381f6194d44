import Foundation
import Hummingbird
import TamwatchModel

/// A list's paging and filters from the query string, each refused with a 400 naming it.
struct ListQuery {
    let request: Request

    /// `limit`: default 50, at most 500.
    func limit() throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 50 }
        guard let n = Int(text), (1...500).contains(n) else { throw Problem.badRequest("limit", "expected a whole number from 1 to 500") }
        return n
    }

    /// `cursor`: the opaque `next_cursor` of the page before.
    func cursor() throws -> Int64? {
        guard let text = request.uri.queryParameters.get("cursor") else { return nil }
        guard let n = Cursor.decode(text) else { throw Problem.badRequest("cursor", "not a cursor this server gave out") }
        return n
    }

    /// A parameter as given, empty included (a number or a choice that is empty is wrong, not absent).
    func given(_ name: String) -> String? { request.uri.queryParameters.get(name) }

    func string(_ name: String) -> String? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        return text
    }

    /// Every `label=k=v`, in order.
    func labels() throws -> [(key: String, value: String)] {
        try request.uri.queryParameters.getAll("label").map { text in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw Problem.badRequest("label", "'\(text)' is not key=value")
            }
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = given(name) else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw Problem.badRequest(name, "expected true or false")
        }
    }
}
