/// The version tamwatch reports in its User-Agent and `--version`.
public enum TamwatchVersion {
    public static let current = "0.1.0"
}
