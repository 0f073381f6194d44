import TamwatchOpenFunnel

/// Why an export could not go on.
public enum ExportError: Error, Sendable, CustomStringConvertible {
    /// The output exists and is not an export in progress of this job and format.
    case exists(String)
    case file(String, String)
    case api(OpenFunnelError, page: String)
    case gaveUp(OpenFunnelError, page: String, after: String)

    public var description: String {
        switch self {
        case .exists(let path):
            return "\(path) already exists and is not an export of this job in progress; remove it, pick another --output, or pass --force"
        case .file(let path, let why): return "\(path): \(why)"
        case .api(let error, let page): return "reading \(page): \(error)"
        case .gaveUp(let error, let page, let after): return "reading \(page): \(error); gave up after \(after) of faults"
        }
    }
}
