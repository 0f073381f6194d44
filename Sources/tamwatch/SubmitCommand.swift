import ArgumentParser
import Foundation
import TamwatchHTTP
import TamwatchModel
import TamwatchOpenFunnel
import TamwatchSimulator

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a TAM build and print its job id (for scripts: JOB=$(tamwatch submit \"...\")).",
        discussion: "This spends OpenFunnel credits unless --api-url points at `tamwatch simulate`."
    )

    @Argument(help: "The market, in one sentence (1 to 500 characters).")
    var query: String

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Override api.base_url.")
    var apiUrl: String?

    @Option(name: .long, help: "Against the simulator only: the scenario this build follows.")
    var scenario: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...500).contains(query.count) else { throw ValidationError("the query must be 1 to 500 characters") }
    }

    func run() async throws {
        logging.bootstrap()
        var config = try loadConfig(config)
        if let apiUrl { config.api.baseURL = apiUrl }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let client = OpenFunnelClient(
            baseURL: config.api.baseURL, apiKey: try apiKey(config), transport: transport,
            timeout: config.api.timeout)
        do {
            let headers = scenario.map { [HTTPHeader("X-Simulator-Scenario", $0)] } ?? []
            let answer = try await client.submit(query: query, extraHeaders: headers)
            print(answer.jobId)
        } catch {
            printError("tamwatch: submit failed: \(error)")
            throw ExitCode(error.httpStatus == 401 || error.httpStatus == 403 ? 3 : 1)
        }
    }
}
