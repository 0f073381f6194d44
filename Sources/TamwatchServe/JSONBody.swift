import Foundation
import HTTPTypes
import Hummingbird
import TamwatchModel

/// JSON in and out.
enum JSONBody {
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized() + "\n")))
    }

    /// A list page: `{"data": [...], "next_cursor": "..." | null}`.
    static func page(_ items: [JSONValue], next: String?) -> Response {
        response(.object([("data", .array(items)), ("next_cursor", next.map(JSONValue.string) ?? .null)]))
    }

    /// The request's body as a JSON object; a body that is not one is a 400 that says why.
    static func object(_ request: Request, context: some RequestContext) async throws -> [(String, JSONValue)] {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 * 1024) } catch {
            throw Problem(.contentTooLarge, "Request body too large", detail: "a request body is at most 64 KiB")
        }
        do throws(FieldProblem) { return try APIBody.object(buffer.readableBytesView) } catch { throw Problem.badRequest(error) }
    }

    static func date(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.format($0)) } ?? .null }
    static func string(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
    static func int(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    static func labels(_ labels: [String: String]) -> JSONValue {
        .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}
