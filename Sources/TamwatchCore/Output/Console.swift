import Foundation

/// Writes events to stdout (NDJSON or text) and, on a terminal, keeps a live progress line per
/// job on stderr, cleared before and redrawn after each batch of events so the two never mix.
public actor Console: EventSink {
    public enum Format: String, Sendable, CaseIterable {
        case text, ndjson
    }

    private let format: Format
    private nonisolated let live: Bool
    private var order: [String] = []
    private var lines: [String: String] = [:]
    private var drawn = 0
    private var lastDraw = ContinuousClock.now
    private static let maxBoardLines = 10

    /// - Parameter live: draw progress lines; pass nil to draw only when stderr is a terminal.
    public init(format: Format, live: Bool? = nil) {
        self.format = format
        self.live = live ?? (isatty(STDERR_FILENO) == 1)
    }

    public func emit(_ events: [Event]) {
        guard !events.isEmpty else { return }
        var out = ""
        for event in events {
            switch format {
            case .ndjson: event.json.write(into: &out)
            case .text: out += EventText.line(event)
            }
            out += "\n"
        }
        clearBoard()
        Self.write(out, to: FileHandle.standardOutput)
        draw(force: true)
    }

    public nonisolated var followsProgress: Bool { live }

    public func observed(_ snapshot: JobSnapshot) {
        guard live else { return }
        if lines[snapshot.jobId] == nil { order.append(snapshot.jobId) }
        lines[snapshot.jobId] = EventText.progress(snapshot)
        draw(force: false)
    }

    /// Writes a message to stderr without tearing the progress lines (control characters in it
    /// shown escaped).
    public func note(_ message: String) {
        clearBoard()
        Self.write(TerminalText.safe(message) + "\n", to: FileHandle.standardError)
        draw(force: true)
    }

    /// Leaves the final progress lines on screen.
    public func finish() {
        draw(force: true)
        drawn = 0
    }

    private func clearBoard() {
        guard live, drawn > 0 else { return }
        Self.write("\u{1B}[\(drawn)A\u{1B}[J", to: FileHandle.standardError)
        drawn = 0
    }

    private func draw(force: Bool) {
        guard live, !order.isEmpty else { return }
        let now = ContinuousClock.now
        if !force, drawn > 0, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        var board = order.prefix(Self.maxBoardLines).compactMap { lines[$0] }
        if order.count > Self.maxBoardLines { board.append("… and \(order.count - Self.maxBoardLines) more jobs") }
        var out = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        for line in board { out += "\r\u{1B}[2K" + line + "\n" }
        Self.write(out, to: FileHandle.standardError)
        drawn = board.count
    }

    static func write(_ text: String, to handle: FileHandle) {
        handle.write(Data(text.utf8))
    }
}
