import KeywatchFuzzDriver
import KeywatchFuzzing

/// libFuzzer's entry point for the `configuration` target: called once per input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.configuration.fuzz(data, size)
}

@main
enum ConfigurationFuzzer {
    static func main() {
        FuzzTarget.runFuzzer(fuzzConfiguration)
    }
}
