import ArgumentParser
import TamwatchConsole
import TamwatchShipped

/// `tamwatch schema config|event`: the JSON Schemas of the configuration file and of an event.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (2020-12) of the configuration file or of an event.",
        discussion: """
            config: every key tamwatch.yaml may hold, with its type and default, for editors \
            (save it and name it in the file's first line: # yaml-language-server: $schema=tamwatch.schema.json) \
            and for CI. event: the envelope every event has on stdout, as a webhook body and on the \
            event stream, with each type's data. `tamwatch check` still says what a schema cannot \
            (an unset variable, a rule naming a missing channel), with file, line and key.
            """
    )

    enum Document: String, ExpressibleByArgument, CaseIterable {
        case config, event
    }

    @Argument(help: "config or event.")
    var document: Document

    func run() throws {
        guard let text = Shipped.schemas["\(document.rawValue).schema.json"] else {
            throw ValidationError("this build carries no \(document.rawValue) schema")
        }
        StandardStream.output.write(text.hasSuffix("\n") ? text : text + "\n")
    }
}
