import Foundation
import TamwatchConfig

extension FuzzChecks {
    /// A secret in the environment the fuzzed configuration may name as `${TAMWATCH_FUZZ_SECRET}`.
    static let secret = "Zq8vK3-fuzz-secret-Lw2"

    /// Any configuration text: read without a crash or hang; every problem names the file, a line
    /// within the text, and a message; no problem or warning shows the secret an environment
    /// variable gave.
    public static func config(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let loader = ConfigLoader(environment: ["TAMWATCH_FUZZ_SECRET": secret, "HOME": "/nonexistent"])
        let (config, errors) = loader.parseCollecting(text, file: "fuzz.yaml", baseDirectory: "/nonexistent/fuzz")
        // YAML breaks lines at CR, LF, CRLF, NEL, LS and PS; Swift's newlines are those and a few more.
        let lines = text.reduce(1) { $0 + ($1.isNewline ? 1 : 0) } + 1
        for problem in errors + (config?.warnings ?? []) {
            if problem.file != "fuzz.yaml" { return "a problem names the file '\(problem.file)': \(problem)" }
            if problem.message.isEmpty { return "a problem without a message: \(problem)" }
            if let line = problem.line, !(1...lines).contains(line) { return "a problem on line \(line) of \(lines - 1): \(problem)" }
            if problem.description.contains(secret) { return "a problem shows the secret: \(problem)" }
        }
        return nil
    }
}
