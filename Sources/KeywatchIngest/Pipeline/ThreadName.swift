import Foundation

/// Names the calling thread, so that `top -H`, `perf` and debuggers show what each thread does.
enum ThreadName {
    static func set(_ name: String) {
        #if os(Linux)
        // pthread_setname_np is not exported to Swift on Linux; the kernel's per-thread file does the same.
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var truncated = String(name.utf8.prefix(15)) ?? name
        truncated.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }
}
