#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
struct ProgressBar {
    let enabled = isatty(STDERR_FILENO) == 1

    func draw(fraction: Double, detail: String) {
        guard enabled else { return }
        let width = 28
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded())
        Standard.error("\r\u{1B}[K[\(bar)] \(percent)% \(detail)", newline: false)
    }

    func clear() {
        guard enabled else { return }
        Standard.error("\r\u{1B}[K", newline: false)
    }
}

/// Writing to the standard streams. Standard error is written at once (progress and summaries);
/// standard output is buffered in large writes (query results can be millions of lines).
enum Standard {
    /// Only the command's main thread writes output.
    nonisolated(unsafe) private static var buffer: [UInt8] = []
    /// Whether standard output was closed under us (a pipe whose reader is gone): `--follow`
    /// stops then, instead of polling for nobody.
    nonisolated(unsafe) private(set) static var outputClosed = false

    static func error(_ text: String, newline: Bool = true) {
        var line = text
        if newline { line += "\n" }
        line.withUTF8 { writeAll(STDERR_FILENO, $0) }
    }

    static func out(_ text: String) {
        append(text)
        buffer.append(0x0A)
    }

    /// `text` without a line end after it: a long line written in pieces.
    static func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    static func flush() {
        buffer.withUnsafeBufferPointer { writeAll(STDOUT_FILENO, $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                if descriptor == STDOUT_FILENO { outputClosed = true }
                return  // a closed pipe: nobody is reading
            }
            offset += written
        }
    }
}
