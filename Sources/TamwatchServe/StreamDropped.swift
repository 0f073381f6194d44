/// Ends a response whose client is dropped: the connection closes.
struct StreamDropped: Error {}
