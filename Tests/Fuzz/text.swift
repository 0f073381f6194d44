// libFuzzer's entry for the text target (scripts/fuzz text): the checks are FuzzChecks.text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzChecks.stop(on: FuzzChecks.text(Array(UnsafeRawBufferPointer(start: start, count: count))))
    return 0
}
