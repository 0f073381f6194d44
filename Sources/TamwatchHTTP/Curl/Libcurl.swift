import CCurl

/// The libcurl this process runs with (the shared library loaded now, not the headers it was
/// built against).
public enum Libcurl {
    /// `libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13 …`, as libcurl describes itself.
    public static var description: String { curl_version().map { String(cString: $0) } ?? "libcurl (version unknown)" }
}
