import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// One connection of the push receiver, watched between the HTTP codec and Hummingbird: it is
/// let in through the ``ConnectionGate``, closed when a request head does not arrive complete
/// within the header timeout, and closed after an answer that says `Connection: close` (a
/// refused request: the client is not read from any further).
///
/// The header timeout runs from the connection's opening for its first request and from the
/// first byte of each later one (seen by ``FirstBytes`` before the codec), so a slow or stalled
/// head (slowloris) is closed however it trickles in. Time between requests, and a body that
/// stops arriving, are Hummingbird's idle timeout. Everything runs on the connection's event loop.
final class ConnectionWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a client that was answered `Connection: close` may take to close its side after
    /// the answer (its unread body is discarded meanwhile): closing at once with its bytes still
    /// arriving would reset the connection, and the client could lose the answer.
    static let lingerAfterClose = TimeAmount.seconds(2)

    private let gate: ConnectionGate
    private let headerTimeout: TimeAmount
    private var ticket: ConnectionGate.Ticket?
    private var admitted = false
    /// Requests whose head arrived and whose answer is not yet written.
    private var requestsInProgress = 0
    private var headDeadline: Scheduled<Void>?
    private var closeAfterAnswer = false
    /// The answer said `Connection: close` and is written: only the end of the connection is awaited.
    private var closing = false
    private var linger: Scheduled<Void>?

    init(gate: ConnectionGate, headerTimeout: TimeAmount) {
        self.gate = gate
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(FirstBytes(watch: self, context: context), position: .first)
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headDeadline?.cancel()
        linger?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headDeadline?.cancel()
        linger?.cancel()
        if let ticket { gate.closed(ticket) }
        ticket = nil
        context.fireChannelInactive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted else { return }
        admitted = true
        guard let ticket = gate.admit(context.channel) else {
            context.close(promise: nil)
            return
        }
        self.ticket = ticket
        startHeadClock(context)
    }

    /// Bytes arrived before the codec: the first of a request starts its head's clock.
    fileprivate func bytesArrived(_ context: ChannelHandlerContext) {
        if requestsInProgress == 0 && headDeadline == nil && !closing { startHeadClock(context) }
    }

    private func startHeadClock(_ context: ChannelHandlerContext) {
        headDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [self] in
            headDeadline = nil
            guard requestsInProgress == 0, !closing, context.channel.isActive else { return }
            gate.dropped(.headerTimeout)
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A client told to go away is not read any further.
        if closing { return }
        if case .head = unwrapInboundIn(data) {
            headDeadline?.cancel()
            headDeadline = nil
            requestsInProgress += 1
            if requestsInProgress == 1, let ticket { gate.requestStarted(ticket) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterAnswer = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            requestsInProgress = max(0, requestsInProgress - 1)
            guard !closeAfterAnswer else {
                context.writeAndFlush(data, promise: promise)
                closeAfterWriting(context)
                return
            }
            if requestsInProgress == 0, let ticket { gate.requestsEnded(ticket) }
            context.write(data, promise: promise)
        }
    }

    /// Sends FIN after the answer and waits for the client's, up to ``lingerAfterClose``.
    private func closeAfterWriting(_ context: ChannelHandlerContext) {
        closing = true
        if let ticket { gate.requestsEnded(ticket, closing: true) }
        headDeadline?.cancel()
        context.close(mode: .output, promise: nil)
        linger = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerAfterClose) {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if closing, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Tells its ``ConnectionWatch`` when bytes arrive, before the HTTP codec has a whole head.
private final class FirstBytes: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let watch: ConnectionWatch
    /// The watch's own context (this handler's is another).
    private let watchContext: ChannelHandlerContext

    init(watch: ConnectionWatch, context: ChannelHandlerContext) {
        self.watch = watch
        watchContext = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        watch.bytesArrived(watchContext)
        context.fireChannelRead(data)
    }
}
