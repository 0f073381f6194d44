/// Something a test opens and must close, awaiting it: a server in this process, a harness
/// around one. `defer` cannot await, so `with` does it.
public protocol AsyncClosing: Sendable {
    func close() async
}

/// Runs `body` with `resource`, then closes it (awaited), however `body` ended.
public func with<R: AsyncClosing, T>(_ resource: R, _ body: (R) async throws -> T) async throws -> T {
    let result: T
    do {
        result = try await body(resource)
    } catch {
        await resource.close()
        throw error
    }
    await resource.close()
    return result
}
