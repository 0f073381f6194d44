import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension Teams: ChatProvider {
    public static let kind = ChannelType.teams

    public static func plain(_ text: String) -> JSONValue {
        .object([
            ("type", .string("message")),
            (
                "attachments",
                .array([
                    .object([
                        ("contentType", .string("application/vnd.microsoft.card.adaptive")),
                        (
                            "content",
                            .object([
                                ("type", .string("AdaptiveCard")), ("version", .string("1.4")),
                                (
                                    "body",
                                    .array([.object([("type", .string("TextBlock")), ("text", .string(text)), ("wrap", .bool(true))])])
                                ),
                            ])
                        ),
                    ])
                ])
            ),
        ])
    }

    /// Legacy connectors could answer 200 with an error text; Workflows answers 202.
    public static func classify(_ response: HTTPResponse) -> DeliveryOutcome {
        if response.status == 200, response.bodyText.localizedCaseInsensitiveContains("failed") {
            return .retry(reason: "Teams answered 200 with an error: \(response.bodyText.prefix(200))", retryAfter: nil)
        }
        if response.status == 413 { return .dead(reason: "HTTP 413: Teams refused the card as too large") }
        return HTTPStatusClassifier().classify(response)
    }
}
