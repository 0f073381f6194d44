import TamwatchModel

/// What an export wrote, and what the build says it should have.
public struct ExportSummary: Sendable, Equatable {
    public var rows: Int
    public var bytes: Int64
    public var pages: Int
    public var uniqueDomains: Int
    /// The build's status at the last page read: not terminal means the list is not whole yet.
    public var status: JobStatus
    /// `manifest.unique_count`, once the build has ended.
    public var expectedUnique: Int?
    /// Rows already in the file from an export that stopped, carried on from.
    public var resumedRows: Int?

    /// The build has ended and the file holds as many unique companies as its manifest says.
    public var isComplete: Bool { status.isTerminal && expectedUnique == uniqueDomains }
}
