import Foundation
import HTTPTypes
import Hummingbird
import TamwatchModel

/// An error answer as RFC 9457 describes it (`application/problem+json`): what went wrong, for
/// people (`title`, `detail`) and for programs (`type`, `status`, `errors` naming each field).
public struct Problem: HTTPResponseError, Equatable {
    /// One field's problem: the request part it names, and why.
    public typealias FieldError = FieldProblem

    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String?
    public var errors: [FieldError] = []
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String? = nil, errors: [FieldError] = []) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    static func badRequest(_ field: String, _ message: String) -> Problem { badRequest(FieldError(field, message)) }

    static func badRequest(_ problem: FieldError) -> Problem {
        Problem(.badRequest, "Bad request", detail: "\(problem.field): \(problem.message)", errors: [problem])
    }

    static func invalid(_ errors: [FieldError]) -> Problem {
        Problem(
            .unprocessableContent, "Invalid request", detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
            errors: errors)
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "Not found", detail: what) }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("about:blank")), ("title", .string(title)), ("status", .int(Int64(status.code))),
        ]
        if let detail { members.append(("detail", .string(detail))) }
        if !errors.isEmpty {
            members.append(
                ("errors", .array(errors.map { .object([("field", .string($0.field)), ("message", .string($0.message))]) })))
        }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized() + "\n")))
    }
}
