import Foundation
import Logging
import NIOCore

/// Holds the push receiver to `http.max_connections` open connections, so that clients that
/// connect and send nothing cannot take the file descriptors tailing and the store need.
///
/// At the limit a new connection takes the place of the connection that has waited longest for
/// a request (idle between requests, or still sending a head), as nginx reuses its idle
/// keep-alive connections: a flood of idle connections then cannot lock pushes out, since a
/// pusher's connection is served as soon as it sends a request. Only when every connection is in
/// the middle of a request is the new one closed. Either way the connection closed is counted.
final class ConnectionGate: @unchecked Sendable {
    private struct Connection {
        var channel: any Channel
        /// When the connection began waiting for a request (an order, not a time); nil during one.
        var waitingSince: UInt64?
    }

    /// A connection let in, to report its requests and its end with.
    struct Ticket: Hashable {
        fileprivate var id: UInt64
    }

    private let maximum: Int
    private let metrics: DaemonMetrics
    private let log: ThrottledLog
    private let lock = NSLock()
    private var open: [UInt64: Connection] = [:]
    private var sequence: UInt64 = 0

    init(maximum: Int, metrics: DaemonMetrics, logger: Logger) {
        self.maximum = maximum
        self.metrics = metrics
        log = ThrottledLog(logger: logger)
    }

    /// Lets `channel` in — closing the connection idle longest when at the limit — or returns
    /// nil when every open connection is busy with a request (the caller closes `channel`).
    func admit(_ channel: any Channel) -> Ticket? {
        let (ticket, evicted): (Ticket?, (any Channel)?) = lock.withLock {
            var evicted: (any Channel)?
            if open.count >= maximum {
                var oldest: (id: UInt64, since: UInt64)?
                for (id, connection) in open {
                    if let since = connection.waitingSince, since < oldest?.since ?? .max { oldest = (id, since) }
                }
                guard let oldest else { return (nil, nil) }
                evicted = open.removeValue(forKey: oldest.id)?.channel
            }
            sequence += 1
            open[sequence] = Connection(channel: channel, waitingSince: sequence)
            // Under the lock, so that the gauge follows the changes in their order.
            metrics.setHTTPConnections(open.count)
            return (Ticket(id: sequence), evicted)
        }
        if let evicted {
            evicted.close(promise: nil)
            dropped(.evicted)
        }
        if ticket == nil { dropped(.refused) }
        return ticket
    }

    /// The connection's request head arrived: it is busy until its answer is written.
    func requestStarted(_ ticket: Ticket) {
        lock.withLock { open[ticket.id]?.waitingSince = nil }
    }

    /// The connection's answers are all written: it waits for a request again — or, when it is
    /// `closing` after a refusal, only for its end, and is the first to make room.
    func requestsEnded(_ ticket: Ticket, closing: Bool = false) {
        lock.withLock {
            sequence += 1
            open[ticket.id]?.waitingSince = closing ? 0 : sequence
        }
    }

    /// The connection closed (a connection evicted is already gone).
    func closed(_ ticket: Ticket) {
        lock.withLock {
            open[ticket.id] = nil
            metrics.setHTTPConnections(open.count)
        }
    }

    /// Counts a connection closed on purpose, and logs it (``ThrottledLog``).
    func dropped(_ reason: HTTPConnectionDrop) {
        metrics.countDroppedConnection(reason)
        let message: Logger.Message = switch reason {
        case .headerTimeout: "closed HTTP connections that sent no complete request head within http.header_timeout"
        case .evicted: "at http.max_connections: closed the HTTP connections idle longest to admit new ones"
        case .refused: "at http.max_connections with every connection busy: closed new HTTP connections"
        }
        log.warning(reason.rawValue, message)
    }
}
