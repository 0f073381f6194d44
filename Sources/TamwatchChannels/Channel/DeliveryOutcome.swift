/// What one delivery attempt came to, decided by the channel from the provider's answer.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted (2xx): never sent again.
    case delivered
    /// Worth trying again; `retryAfter` (from the provider) is a floor for the next attempt.
    case retry(reason: String, retryAfter: Duration?)
    /// Will not succeed as it is: kept in the store as dead, for `tamwatch replay`.
    case dead(reason: String)
    /// The receiver asked for nothing more (410 Gone, an archived Slack channel): disable the channel.
    case disableChannel(reason: String)
}
