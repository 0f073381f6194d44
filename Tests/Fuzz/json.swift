// libFuzzer's entry for the JSON target (scripts/fuzz json): the checks are FuzzChecks.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzChecks.stop(on: FuzzChecks.json(Array(UnsafeRawBufferPointer(start: start, count: count))))
    return 0
}
