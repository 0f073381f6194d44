import Foundation
import Testing

@testable import TamwatchModel

@Suite("JSON parser", .timeLimit(.minutes(5)))
struct JSONParserTests {
    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }

    @Test("every JSONTestSuite accept case parses")
    func accepts() {
        let refused = JSONTestSuiteCases.accept.filter { (try? JSONValue.parse(bytes: Self.bytes($0.base64))) == nil }.map(\.name)
        #expect(JSONTestSuiteCases.accept.count > 90)
        #expect(refused.isEmpty, "refused: \(refused)")
    }

    @Test("every JSONTestSuite reject case is refused with an offset, never a crash")
    func rejects() {
        let cases = JSONTestSuiteCases.reject.map { ($0.name, Self.bytes($0.base64)) } + JSONTestSuiteCases.generated
        let accepted = cases.filter { (try? JSONValue.parse(bytes: $0.1)) != nil }.map(\.0)
        #expect(cases.count > 180)
        #expect(accepted.isEmpty, "accepted: \(accepted)")
    }

    @Test("a lone surrogate becomes U+FFFD and keeps the character that follows it")
    func loneSurrogate() throws {
        #expect(try JSONValue.parse(#"["\uD800\u0041"]"#) == .array([.string("\u{FFFD}A")]))
        #expect(try JSONValue.parse(#"["\uD800x"]"#) == .array([.string("\u{FFFD}x")]))
        #expect(try JSONValue.parse(#"["\uDC00\uD83D\uDE00"]"#) == .array([.string("\u{FFFD}😀")]))
        #expect(try JSONValue.parse(#"["\uD83D\uDE00"]"#) == .array([.string("😀")]))
        #expect(try JSONValue.parse(#"["\uD800"]"#) == .array([.string("\u{FFFD}")]))
    }

    @Test(
        "leading zeros and duplicate keys are refused",
        arguments: [
            "01", "-01", "[00]", "{\"a\":012}", #"{"a":1,"a":2}"#, #"{"job_id":"j","status":"running","status":"completed"}"#,
            "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "1.5e", "2.e3",
        ])
    func strictness(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("numbers in every allowed form")
    func numbers() throws {
        #expect(
            try JSONValue.parse("[0,-0,10,1.5,-2.25e3,1E-2,5e+1]")
                == .array([.int(0), .int(0), .int(10), .double(1.5), .double(-2250), .double(0.01), .double(50)]))
    }
}
