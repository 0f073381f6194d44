import Foundation
import Testing

@testable import TamwatchConfig
@testable import TamwatchModel
@testable import TamwatchShipped

/// `tamwatch schema config` names exactly the keys the reader accepts, section by section: a key
/// the reader gains or loses without the schema (or the other way round) fails here.
@Suite("The configuration's JSON Schema", .timeLimit(.minutes(5)))
struct ConfigSchemaTests {
    static let schema: JSONValue = {
        (try? JSONValue.parse(Shipped.schemas["config.schema.json"] ?? "")) ?? .null
    }()

    /// The property names of a schema object.
    static func keys(_ object: JSONValue?) -> Set<String> {
        guard case .object(let members)? = object?["properties"] else { return [] }
        return Set(members.map(\.0))
    }

    /// The keys the reader lists when it meets an unknown one in `yaml` (its "expected one of").
    static func readerKeys(_ yaml: String) throws -> Set<String> {
        let env = ["OPENFUNNEL_API_KEY": "of_test"]
        do {
            _ = try ConfigLoader(environment: env).parse(yaml, file: "t.yaml", baseDirectory: "/tmp")
        } catch {
            let message = try #require(error.errors.first { $0.message.contains("expected one of: ") }?.message, "\(error)")
            let list = try #require(message.split(separator: "expected one of: ").last).prefix { $0 != ")" }
            return Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        Issue.record("the reader accepted an unknown key: \(yaml)")
        return []
    }

    struct Section: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var schema: @Sendable (JSONValue) -> JSONValue?
        var testDescription: String { name }
    }

    static let channel = "channels: {c: {type: slack, url: \"https://hooks.slack.com/x\"}}\n"
    static let sections: [Section] = [
        Section(name: "the top level", yaml: "zz: 1\n") { $0 },
        Section(name: "api", yaml: "api: {zz: 1}\n") { $0["properties"]?["api"] },
        Section(name: "state", yaml: "state: {zz: 1}\n") { $0["properties"]?["state"] },
        Section(name: "watch", yaml: "watch: {zz: 1}\n") { $0["properties"]?["watch"] },
        Section(name: "serve", yaml: "serve: {zz: 1}\n") { $0["properties"]?["serve"] },
        Section(name: "serve.tokens[]", yaml: "serve: {tokens: [{name: a, scope: read, zz: 1}]}\n") {
            $0["properties"]?["serve"]?["properties"]?["tokens"]?["items"]?["anyOf"]?[0]
        },
        Section(name: "results", yaml: "results: {zz: 1}\n") { $0["properties"]?["results"] },
        Section(name: "guard", yaml: "guard: {zz: 1}\n") { $0["properties"]?["guard"] },
        Section(name: "rules[]", yaml: channel + "rules: [{name: r, on: [\"*\"], to: [c], zz: 1}]\n") {
            $0["properties"]?["rules"]?["items"]
        },
        Section(name: "a webhook channel", yaml: "channels: {c: {type: webhook, url: \"https://x.example\", zz: 1}}\n") {
            $0["$defs"]?["channel"]?["oneOf"]?[0]
        },
        Section(name: "an email channel", yaml: "channels: {c: {type: email, url: \"smtp://x.example\", zz: 1}}\n") {
            $0["$defs"]?["channel"]?["oneOf"]?[1]
        },
        Section(name: "a chat channel", yaml: "channels: {c: {type: teams, url: \"https://x.example\", zz: 1}}\n") {
            $0["$defs"]?["channel"]?["oneOf"]?[2]
        },
    ]

    @Test("each section's keys in the schema are the reader's", arguments: sections)
    func sameKeys(_ section: Section) throws {
        let inSchema = Self.keys(section.schema(Self.schema))
        #expect(!inSchema.isEmpty, "no such object in the schema")
        #expect(try Self.readerKeys(section.yaml) == inSchema)
    }

    @Test("it is a 2020-12 schema that closes every object, and each chat kind and event type it names is the reader's")
    func wellFormed() throws {
        #expect(Self.schema["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema")
        #expect(Self.schema["additionalProperties"] == .bool(false))
        let kinds = (0..<3).flatMap { i in
            Self.schema["$defs"]?["channel"]?["oneOf"]?[i]?["properties"]?["type"]?["enum"]?.arrayItems.compactMap(\.stringValue) ?? []
        }
        #expect(Set(kinds) == Set(ChannelType.allCases.map(\.rawValue)) && kinds.count == ChannelType.allCases.count)
        let on = Self.schema["properties"]?["rules"]?["items"]?["properties"]?["on"]?["anyOf"]?[0]?["enum"]?.arrayItems
        #expect(
            Set(on?.compactMap(\.stringValue) ?? [])
                == Set(EventType.allCases.map(\.rawValue)).union(["*", "job.*", "watch.*", "account.*"]))
    }
}
