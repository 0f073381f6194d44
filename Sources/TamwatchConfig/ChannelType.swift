import Foundation

public enum ChannelType: String, Sendable, CaseIterable {
    case webhook, slack, mattermost, discord, teams, googlechat, email
}
