#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by SIGINT or SIGTERM while following; read by the polling loop between polls.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// `--follow`: after what matched so far, poll the store about once a second for what was stored
/// since (read-only, in commit order, so nothing is printed twice) until SIGINT or SIGTERM, or
/// until nobody reads standard output any more.
enum Following {
    /// Polls `poll` every `interval` seconds until stopped; output is flushed after each poll so a
    /// pipe (`| jq`, `| grep`) sees matches as they come.
    static func run(interval: Double = 1, _ poll: () throws -> Void) throws {
        let stop: @convention(c) (Int32) -> Void = { _ in stopRequested = 1 }
        signal(SIGINT, stop)
        signal(SIGTERM, stop)
        // A parent may have started us with them blocked (threads of a test runner block SIGTERM).
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        // A closed pipe is noticed by the failed write (Standard.outputClosed), not by dying of SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        Standard.flush()
        while stopRequested == 0 && !Standard.outputClosed && !readerGone() {
            // Sleeps in tenths, so a signal is acted on within one.
            var slept = 0.0
            while slept < interval && stopRequested == 0 {
                usleep(100_000)
                slept += 0.1
            }
            guard stopRequested == 0, !readerGone() else { break }
            try poll()
            Standard.flush()
        }
    }

    /// Whether standard output is a pipe whose reader has gone (`… --follow | head -1` after its
    /// line): poll(2) reports POLLERR on the writing end then, even while nothing is written.
    static func readerGone() -> Bool {
        var descriptor = pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        return descriptor.revents & Int16(POLLERR | POLLHUP) != 0
    }
}
