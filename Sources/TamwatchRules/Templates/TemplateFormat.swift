import Foundation
import Mustache
import TamwatchConfig

/// How a template's output is escaped, from the file's extension: `.json` escapes values for a
/// JSON string and the result must parse as JSON; `.txt` escapes nothing; `.html` escapes HTML.
public enum TemplateFormat: String, Sendable, CaseIterable {
    case json, txt, html

    /// The CONTENT_TYPE pragma put in front of every template (swift-mustache's default is HTML).
    /// Slack and Mattermost JSON also escape `&`, `<`, `>` in values (mrkdwn's control
    /// characters); Mattermost also breaks `@channel`, `@here`, `@all`, and Google Chat
    /// `<users/all>`, so that no value can notify a whole channel.
    func pragma(kind: String?) -> String {
        switch self {
        case .json where kind == ChannelType.slack.rawValue: return "{{% CONTENT_TYPE: SLACK_JSON}}"
        case .json where kind == ChannelType.mattermost.rawValue: return "{{% CONTENT_TYPE: MATTERMOST_JSON}}"
        case .json where kind == ChannelType.googlechat.rawValue: return "{{% CONTENT_TYPE: GOOGLECHAT_JSON}}"
        case .json: return "{{% CONTENT_TYPE: JSON}}"
        case .txt: return "{{% CONTENT_TYPE: TEXT}}"
        case .html: return "{{% CONTENT_TYPE: HTML}}"
        }
    }
}
