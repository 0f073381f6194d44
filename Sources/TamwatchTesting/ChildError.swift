public enum ChildError: Error, CustomStringConvertible {
    case timeout(String)
    case spawn(String)
    public var description: String {
        switch self {
        case .timeout(let err): return "timed out; stderr:\n\(err)"
        case .spawn(let why): return "could not start the process: \(why)"
        }
    }
}
