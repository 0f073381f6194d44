import Foundation
import Mustache

/// One template file, parsed.
public struct TemplateFile: Sendable {
    /// `kind/name.ext`, e.g. `slack/job.terminal.json` or `email/default.subject.txt`.
    public var key: String
    public var path: String
    public var format: TemplateFormat
    let template: MustacheTemplate
    /// The partials it names (`{{> name}}`), each with its line and column, checked at load.
    let partials: [(name: String, line: Int, column: Int)]
    /// The templates of its kind and extension, by name: what `{{> name}}` finds.
    var library: MustacheLibrary?

    public func render(_ context: [String: Any]) -> String {
        template.render(context, library: library)
    }
}
