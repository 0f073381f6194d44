import Foundation

/// What a delivery sends, fixed when it is queued so every retry sends the same bytes.
public struct RenderedMessage: Sendable, Equatable {
    /// HTTP channels: the exact request body. Email: the plain-text part.
    public var body: String
    public var contentType: String
    /// Email only.
    public var subject: String?
    public var html: String?
    public var to: [String]?
    /// Email only: a file to attach (the exported list of `job.results_ready`).
    public var attachment: String?

    public init(
        body: String, contentType: String = "application/json", subject: String? = nil,
        html: String? = nil, to: [String]? = nil
    ) {
        self.body = body
        self.contentType = contentType
        self.subject = subject
        self.html = html
        self.to = to
    }

    /// The email parts beyond the body, as the outbox stores them (nil for HTTP channels).
    public var extraJSON: JSONValue? {
        var members: [(String, JSONValue)] = []
        if let subject { members.append(("subject", .string(subject))) }
        if let html { members.append(("html", .string(html))) }
        if let to { members.append(("to", .array(to.map(JSONValue.string)))) }
        if let attachment { members.append(("attachment", .string(attachment))) }
        return members.isEmpty ? nil : .object(members)
    }

    package mutating func apply(extraJSON json: JSONValue) {
        subject = json["subject"]?.stringValue
        html = json["html"]?.stringValue
        if case .array(let items)? = json["to"] { to = items.compactMap(\.stringValue) }
        attachment = json["attachment"]?.stringValue
    }
}
