import ArgumentParser
import CBuildInfo
import TamwatchHTTP
import TamwatchModel

/// What this binary is and what it was built from: `tamwatch version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, the commit and date it was built from, and the Swift and libcurl versions.",
        discussion: "`tamwatch --version` prints the first line only."
    )

    func run() {
        for line in BuildInfo.lines { print(line) }
    }
}

/// The build facts a release build (scripts/package) sets; a developer's build says so.
enum BuildInfo {
    static var commit: String { String(cString: tamwatch_build_commit()) }
    static var date: String { String(cString: tamwatch_build_date()) }
    static var swift: String {
        let set = String(cString: tamwatch_build_swift())
        if !set.isEmpty { return set }
        #if compiler(>=6.4)
            return "6.4 or later"
        #elseif compiler(>=6.3)
            return "6.3"
        #else
            return "before 6.3"
        #endif
    }

    /// `0.2.0 (a310672, 2026-12-03)`: `--version`'s answer.
    static var short: String {
        let made = [commit, date].filter { !$0.isEmpty }
        return TamwatchVersion.current + (made.isEmpty ? " (development build)" : " (\(made.joined(separator: ", ")))")
    }

    static var lines: [String] {
        [
            "tamwatch \(TamwatchVersion.current)",
            "commit:  \(commit.isEmpty ? "unknown (a development build; scripts/package records it)" : commit)",
            "built:   \(date.isEmpty ? "unknown" : date)",
            "swift:   \(swift)",
            "libcurl: \(Libcurl.description)",
        ]
    }
}
