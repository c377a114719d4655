import KeywatchFuzzDriver
import KeywatchFuzzing

/// libFuzzer's entry point for the `input-decoding` target: called once per input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzInputDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.inputDecoding.fuzz(data, size)
}

@main
enum InputDecodingFuzzer {
    static func main() {
        FuzzTarget.runFuzzer(fuzzInputDecoding)
    }
}
