/// How far an export is, after each page.
public struct ExportProgress: Sendable, Equatable {
    public var pages: Int
    public var rows: Int
    /// From the manifest, once the build has ended.
    public var totalPages: Int?
    public var totalRows: Int?
}
