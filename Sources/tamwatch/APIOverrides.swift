import ArgumentParser
import TamwatchConfig
import TamwatchModel

/// `--api-url` and `--poll-interval`, shared by watch and serve.
struct APIOverrides: ParsableArguments {
    @Option(name: .long, help: "Override api.base_url.")
    var apiUrl: String?

    @Option(name: .long, help: "Override api.poll_interval (e.g. 50ms, 10s).")
    var pollInterval: String?

    func validate() throws {
        if let pollInterval, DurationText.parse(pollInterval).map({ $0 >= .milliseconds(50) }) != true {
            throw ValidationError("--poll-interval '\(pollInterval)' is not a duration of at least 50ms (e.g. 50ms, 10s, 1m)")
        }
        if let apiUrl, !(apiUrl.hasPrefix("http://") || apiUrl.hasPrefix("https://")) {
            throw ValidationError("--api-url must start with http:// or https://")
        }
    }

    func apply(to config: inout TamwatchConfig) {
        if let apiUrl { config.api.baseURL = apiUrl }
        if let pollInterval, let d = DurationText.parse(pollInterval) { config.api.pollInterval = d }
    }
}
