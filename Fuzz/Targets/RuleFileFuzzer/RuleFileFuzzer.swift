import KeywatchFuzzDriver
import KeywatchFuzzing

/// libFuzzer's entry point for the `rule-file` target: called once per input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRuleFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.ruleFile.fuzz(data, size)
}

@main
enum RuleFileFuzzer {
    static func main() {
        FuzzTarget.runFuzzer(fuzzRuleFile)
    }
}
