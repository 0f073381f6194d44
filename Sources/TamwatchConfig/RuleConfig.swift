import Foundation
import TamwatchModel

public struct RuleConfig: Sendable {
    public var name: String
    public var on: [String]
    public var matchers: [Matcher]
    public var to: [String]
    public var template: String?
    public var throttle: Duration?
    public var line: Int?

    public init(
        name: String, on: [String], matchers: [Matcher] = [], to: [String], template: String? = nil,
        throttle: Duration? = nil, line: Int? = nil
    ) {
        self.name = name
        self.on = on
        self.matchers = matchers
        self.to = to
        self.template = template
        self.throttle = throttle
        self.line = line
    }
}
