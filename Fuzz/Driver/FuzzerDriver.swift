import Foundation
import KeywatchFuzzing

/// libFuzzer's driver, in the fuzzer runtime that `-sanitize=fuzzer` links: it parses libFuzzer's
/// flags and calls `test` once per input. The fuzz executables call it from their own `main`
/// (SwiftPM names an executable's `main` itself, so libFuzzer's cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

extension FuzzTarget {
    /// Runs libFuzzer with the process's arguments on `test` (the target's `LLVMFuzzerTestOneInput`),
    /// then exits with libFuzzer's status.
    public static func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    }
}
