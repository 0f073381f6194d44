import TamwatchTesting
import Testing

/// Each test of a suite with this trait runs in a `ChildScope`: every process it started is
/// stopped and awaited when it ends, so a test's processes never overlap the next one's.
struct ReapsChildren: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let scope = ChildScope()
        try await ChildScope.$current.withValue(scope) {
            do {
                try await function()
            } catch {
                await scope.reap()
                throw error
            }
            await scope.reap()
        }
    }
}

extension Trait where Self == ReapsChildren {
    static var reapsChildren: Self { Self() }
}
