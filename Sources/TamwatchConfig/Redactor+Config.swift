import TamwatchModel

extension Redactor {
    /// Every secret of a configuration, and the API key in use.
    public init(config: TamwatchConfig, apiKey: String? = nil) {
        var values = [apiKey, config.api.key].compactMap { $0 }
        for channel in config.channels {
            for secret in channel.secrets {
                values.append(secret)
                if secret.hasPrefix("whsec_") { values.append(String(secret.dropFirst(6))) }
            }
            if let password = channel.password { values.append(password) }
            for header in channel.headers {
                values.append(header.value)
                // `Bearer abc`: the token alone may come back too.
                if let space = header.value.firstIndex(of: " ") { values.append(String(header.value[header.value.index(after: space)...])) }
            }
            if channel.type != .email { values.append(channel.url) }
        }
        for token in config.serve.tokens { if case .plain(let text) = token.secret { values.append(text) } }
        if let password = config.stateDatabase?.password { values.append(password) }
        self.init(secrets: values)
    }
}
