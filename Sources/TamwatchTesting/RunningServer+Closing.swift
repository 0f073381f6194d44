import TamwatchHTTPServer

/// A server running in the test's own process (the simulator, a receiver), stopped by `with`.
extension RunningServer: AsyncClosing {
    public func close() async { await stop() }
}
