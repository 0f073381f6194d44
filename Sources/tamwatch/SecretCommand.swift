import ArgumentParser
import TamwatchModel

/// `tamwatch secret`: a new signing secret for a webhook channel.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Print a new webhook signing secret (whsec_ and 32 random bytes in base64).",
        discussion: """
            Give it to the receiver (it verifies with it) and to tamwatch through the environment, \
            for instance WEBHOOK_SECRET, named in the channel as secret: "${WEBHOOK_SECRET}". To \
            rotate, list the new secret beside the old (secret: ["${NEW}", "${OLD}"]): every \
            delivery is signed with both until the old one is removed.
            """
    )

    func run() {
        print(WebhookSecret.generate())
    }
}
