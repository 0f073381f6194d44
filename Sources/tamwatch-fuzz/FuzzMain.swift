import Foundation
import TamwatchFuzz

/// Built as usual, `tamwatch-fuzz TARGET FILE...` runs each file through one of
/// `FuzzChecks.targets` once and says which break a check (exit 1). Built with
/// `-sanitize=fuzzer` and `-D FUZZING` (`scripts/fuzz`), it hands its arguments to libFuzzer's
/// driver, which calls the entry below with each input, for the target `TAMWATCH_FUZZ_TARGET`
/// names.
@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #endif
        guard arguments.count >= 2, let check = FuzzChecks.check(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: tamwatch-fuzz TARGET [FILE...] (targets: \(FuzzChecks.names))\n".utf8))
            exit(64)
        }
        var failed = 0
        for path in arguments.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("tamwatch-fuzz: cannot read \(path)\n".utf8))
                exit(66)
            }
            if let problem = check([UInt8](data)) {
                print("\(path): \(problem)")
                failed += 1
            }
        }
        exit(failed == 0 ? 0 : 1)
    }
}

#if FUZZING
    /// libFuzzer's driver, linked in by `-sanitize=fuzzer`.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The check `TAMWATCH_FUZZ_TARGET` names, looked up once.
    let fuzzCheck: @Sendable ([UInt8]) -> String? = {
        let name = ProcessInfo.processInfo.environment["TAMWATCH_FUZZ_TARGET"] ?? ""
        guard let check = FuzzChecks.check(name) else {
            FileHandle.standardError.write(
                Data("tamwatch-fuzz: TAMWATCH_FUZZ_TARGET='\(name)' is not a target (\(FuzzChecks.names))\n".utf8))
            exit(64)
        }
        return check
    }()

    /// libFuzzer's entry: a broken check stops the process, which is how libFuzzer hears of it.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        if let problem = fuzzCheck(bytes) {
            FileHandle.standardError.write(Data("fuzz check failed: \(problem)\n".utf8))
            abort()
        }
        return 0
    }
#endif
