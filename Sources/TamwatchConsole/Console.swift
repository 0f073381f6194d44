import Foundation
import Synchronization
import TamwatchModel
import TamwatchRules
import TamwatchWatch

/// Writes events to stdout (NDJSON or text) and, on a terminal, keeps a live progress line per
/// job on stderr, cleared before and redrawn after each batch of events so the two never mix.
public actor Console: EventSink {
    public enum Format: String, Sendable, CaseIterable {
        case text, ndjson
    }

    private let format: Format
    private nonisolated let live: Bool
    private nonisolated let closed = Atomic<Bool>(false)
    /// Called once when stdout turns out to be closed (the reader went away).
    private nonisolated let onClosed: @Sendable () -> Void
    private var order: [String] = []
    private var lines: [String: String] = [:]
    private var drawn = 0
    /// The builds whose query the text output has named.
    private var named = Set<String>()
    private var lastDraw = ContinuousClock.now
    private static let maxBoardLines = 10

    /// - Parameter live: draw progress lines; pass nil to draw only when stderr is a terminal.
    /// - Parameter onClosed: called once if stdout is closed under it (`| head -1`), so the
    ///   caller can stop with its state saved.
    public init(format: Format, live: Bool? = nil, onClosed: @escaping @Sendable () -> Void = {}) {
        self.format = format
        self.live = live ?? (isatty(STDERR_FILENO) == 1)
        self.onClosed = onClosed
    }

    /// True once a write to stdout failed because nobody reads it any more.
    public nonisolated var stdoutClosed: Bool { closed.load(ordering: .relaxed) }

    /// Writes the events; false when stdout is closed, and then they count as not written.
    public func emit(_ events: [Event]) -> Bool {
        guard !events.isEmpty else { return true }
        guard !stdoutClosed else { return false }
        var out = ""
        for event in events {
            switch format {
            case .ndjson: event.json.write(into: &out)
            case .text:
                if !named.contains(event.jobId), let line = EventText.queryLine(event) {
                    named.insert(event.jobId)
                    out += line + "\n"
                }
                out += EventText.line(event)
            }
            out += "\n"
        }
        clearBoard()
        let written = StandardStream.output.write(out)
        draw(force: true)
        if !written, !closed.exchange(true, ordering: .relaxed) { onClosed() }
        return written
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
        StandardStream.error.write(TerminalText.safe(message) + "\n")
        draw(force: true)
    }

    /// Leaves the final progress lines on screen.
    public func finish() {
        draw(force: true)
        drawn = 0
    }

    private func clearBoard() {
        guard live, drawn > 0 else { return }
        StandardStream.error.write("\u{1B}[\(drawn)A\u{1B}[J")
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
        StandardStream.error.write(out)
        drawn = board.count
    }
}
