import Foundation

/// A free TCP port on the loopback interface (bound, read, released). Another server binding
/// port 0 may be handed the same port; to point a client at a port where nothing listens, hold a
/// ``ClosedPort`` instead.
public func freePort() -> Int {
    ClosedPort().port
}

/// A loopback port where nothing listens, held so for the object's life: bound but not
/// listening, so a connection is refused and no other test's server can take the port meanwhile
/// (a port from ``freePort()`` can be handed to the next server that binds port 0).
public final class ClosedPort {
    private let socket: Int32
    public let port: Int

    public init() {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socket) }
}
