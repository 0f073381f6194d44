import Foundation
import Hummingbird
import TamwatchModel

/// A list's paging and filters from the query string (`QueryParameters`), each refused with a
/// 400 naming it.
struct ListQuery {
    let parameters: QueryParameters

    init(request: Request) { parameters = QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) }

    func limit() throws -> Int { try answered { () throws(FieldProblem) in try parameters.limit() } }
    func cursor() throws -> Int64? { try answered { () throws(FieldProblem) in try parameters.cursor() } }
    func labels() throws -> [(key: String, value: String)] { try answered { () throws(FieldProblem) in try parameters.labels() } }
    func bool(_ name: String) throws -> Bool? { try answered { () throws(FieldProblem) in try parameters.bool(name) } }
    func after() throws -> Int { try answered { () throws(FieldProblem) in try parameters.after() } }
    func resumeAfter(lastEventID: String?) throws -> Int64? {
        try answered { () throws(FieldProblem) in try parameters.resumeAfter(lastEventID: lastEventID) }
    }
    func given(_ name: String) -> String? { parameters.given(name) }
    func string(_ name: String) -> String? { parameters.string(name) }
    func all(_ name: String) -> [String] { parameters.all(name) }

    private func answered<T>(_ read: () throws(FieldProblem) -> T) throws -> T {
        do throws(FieldProblem) { return try read() } catch { throw Problem.badRequest(error) }
    }
}
