import ArgumentParser
import Foundation
import TamwatchConfig
import TamwatchServe

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a new token for serve.tokens, and its SHA-256.",
        discussion: """
            The token goes to whoever calls the API (Authorization: Bearer TOKEN) or opens the page \
            (/?access_token=TOKEN once). The config needs only its SHA-256, so it can be kept in git: \
            the entry printed on stderr is ready to paste under serve.tokens. With --sha256, reads a \
            token on standard input and prints its SHA-256.
            """
    )

    @Option(name: .long, help: "The entry's name (shown in logs, never the token).")
    var name = "ci"

    @Option(name: .long, help: "read (the page, the event stream, GETs, /metrics) or write (everything).")
    var scope = "write"

    @Flag(name: .long, help: "Read a token on standard input and print its SHA-256.")
    var sha256 = false

    func validate() throws {
        if ServeToken.Scope(rawValue: scope) == nil { throw ValidationError("--scope '\(scope)' is not read or write") }
        if name.isEmpty || name.contains(where: { $0.isNewline || $0 == "\"" }) {
            throw ValidationError("--name must be a short name without quotes or line breaks")
        }
    }

    func run() throws {
        if sha256 {
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
                throw ValidationError("expected a token on standard input")
            }
            print(NewToken.sha256(of: line))
            return
        }
        let token = NewToken()
        print(token.token)
        printError("# under serve.tokens in tamwatch.yaml (the token itself is not needed there):")
        printError("- { name: \(name), scope: \(scope), sha256: \(token.sha256) }")
    }
}
