import Foundation

/// A TCP connection to the daemon on 127.0.0.1, for clients that misbehave: ones that connect
/// and send nothing, send a head a byte at a time, or never close.
final class ClientSocket {
    let descriptor: Int32
    /// Everything received so far.
    private(set) var received: [UInt8] = []
    /// The server closed its side (end of file, or a reset).
    private(set) var closedByServer = false

    /// Connects, waiting up to `timeout` seconds; nil when the connection was not made.
    init?(port: Int, timeout: Int = 10) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
    }

    deinit { close(descriptor) }

    /// Sends `text`; false when the connection no longer takes it.
    @discardableResult
    func send(_ text: String) -> Bool {
        text.withCString { Foundation.send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) } >= 0
    }

    /// Reads what has arrived without waiting; returns whether the server has closed its side.
    @discardableResult
    func poll() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closedByServer {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || errno != EAGAIN && errno != EWOULDBLOCK {
                closedByServer = true
            } else {
                break
            }
        }
        return closedByServer
    }

    /// Waits up to `seconds` for the first bytes to arrive, and returns them as text.
    func firstReply(waitingUpTo seconds: Int) -> String {
        var wait = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    /// What was received, as text.
    var text: String { String(decoding: received, as: UTF8.self) }
}
