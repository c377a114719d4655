import KeywatchFuzzDriver
import KeywatchFuzzing

/// libFuzzer's entry point for the `push-body` target: called once per input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPushBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.pushBody.fuzz(data, size)
}

@main
enum PushBodyFuzzer {
    static func main() {
        FuzzTarget.runFuzzer(fuzzPushBody)
    }
}
