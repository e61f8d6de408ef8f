import NIOCore

/// One end of a proxied connection: the client's channel or the backend's. Two of them, one in
/// each channel's pipeline and both on the same event loop, are paired once the backend
/// connects; each then writes what its channel reads into the other channel.
///
/// - Connect: the client side starts its backend connect when its channel becomes active or,
///   with `ProxyConnect.onFirstData`, once it has read the client's first bytes. A client that
///   half-closes before sending anything is then closed, and never had a backend connection.
/// - Backpressure: a `read()` passes only while the partner's channel is writable; otherwise it
///   is held and released when the partner's channel becomes writable again. Before pairing,
///   every read is held, but for the one that brings a waiting client's first bytes. (NIO still
///   drains a socket at once when the peer's EOF arrives; what comes that way before pairing is
///   kept and forwarded on pairing. The socket's receive buffer bounds it.)
/// - Half-close: an EOF read on one side shuts down the other side's output once what was
///   already forwarded is written. A channel whose input and output are both shut is closed by
///   NIO, which then closes its partner.
/// - Close: when one channel closes (reset, error, or done), the partner writes out what it
///   holds and closes. An idle event closes both at once.
///
/// Both channels need `ChannelOptions.allowRemoteHalfClosure`.
final class ProxySpliceHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side: String, Sendable {
        case client, backend
    }

    let side: Side
    private let route: ProxyRouteCounters
    private var backend: ProxyBackendCounters?
    private var context: ChannelHandlerContext?
    private var partner: ProxySpliceHandler?
    /// The partner's channel has closed: nothing more is forwarded either way.
    private var partnerClosed = false
    /// A read() this side was asked for but has not passed on.
    private var readHeld = false
    /// This side's output is shut down or being shut down.
    private var outputFinishing = false
    /// Read before pairing (see above), forwarded on pairing.
    private var early: [ByteBuffer] = []
    /// EOF read before pairing.
    private var earlyEOF = false
    /// This side's channel went inactive.
    private var channelClosed = false
    /// When the client side runs `startBackend`.
    private let connectOn: ProxyConnect
    /// Run once by the client side, to connect its backend; nil once run (and on the backend side).
    private var startBackend: ((ProxySpliceHandler, ChannelHandlerContext) -> Void)?

    init(side: Side, route: ProxyRouteCounters, connectOn: ProxyConnect = .onAccept,
         startBackend: ((ProxySpliceHandler, ChannelHandlerContext) -> Void)? = nil) {
        self.side = side
        self.route = route
        self.connectOn = connectOn
        self.startBackend = startBackend
    }

    /// The client has not sent anything yet, and its backend waits for it.
    private var awaitingFirstData: Bool {
        startBackend != nil && connectOn == .onFirstData
    }

    private func startBackendOnce(_ context: ChannelHandlerContext) {
        guard let startBackend else { return }
        self.startBackend = nil
        startBackend(self, context)
    }

    /// Joins the client side (`self`) with the backend side and starts the bytes flowing.
    func pair(with other: ProxySpliceHandler, backend: ProxyBackendCounters) {
        assert(side == .client && other.side == .backend)
        guard !other.channelClosed else {
            // The backend closed before it could be paired: end the client as it would have.
            partnerDidClose()
            return
        }
        partner = other
        other.partner = self
        self.backend = backend
        other.backend = backend
        for side in [self, other] {
            let buffers = side.early
            side.early = []
            for buffer in buffers { side.forward(buffer) }
            if !buffers.isEmpty { side.partner?.context?.flush() }
            if side.earlyEOF { side.partner?.finishOutput() }
        }
        releaseHeldRead()
        other.releaseHeldRead()
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if connectOn == .onAccept {
            startBackendOnce(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelClosed = true
        context.fireChannelInactive()
        if let partner {
            self.partner = nil
            partner.partnerDidClose()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets and broken pipes end the connection; the partner follows via channelInactive.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // EOF from this side: pass it on as a half-close of the other side.
            if let partner {
                partner.finishOutput()
            } else if !partnerClosed {
                earlyEOF = true
                if awaitingFirstData {
                    if early.isEmpty {
                        // Nothing was sent and nothing will be: there is nothing to forward.
                        context.close(promise: nil)
                    } else {
                        startBackendOnce(context)
                    }
                }
            }
        case IdleStateHandler.IdleStateEvent.all:
            closeBoth()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Data

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if partner == nil && !partnerClosed {
            early.append(buffer)
        } else {
            forward(buffer)
        }
    }

    private func forward(_ buffer: ByteBuffer) {
        guard let partner, !partnerClosed else { return }
        let count = buffer.readableBytes
        switch side {
        case .client:
            route.bytesIn.wrappingAdd(count, ordering: .relaxed)
            backend?.bytesIn.wrappingAdd(count, ordering: .relaxed)
        case .backend:
            route.bytesOut.wrappingAdd(count, ordering: .relaxed)
            backend?.bytesOut.wrappingAdd(count, ordering: .relaxed)
        }
        partner.send(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if awaitingFirstData && !early.isEmpty {
            startBackendOnce(context)
        }
        partner?.context?.flush()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if partnerCanAccept || (awaitingFirstData && early.isEmpty) {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.releaseHeldRead()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Called by the partner

    private var partnerCanAccept: Bool {
        guard let partner, !partnerClosed, let partnerContext = partner.context else { return false }
        return partnerContext.channel.isWritable
    }

    private func releaseHeldRead() {
        guard readHeld, partnerCanAccept, let context else { return }
        readHeld = false
        context.read()
    }

    private func send(_ buffer: ByteBuffer) {
        guard let context, !outputFinishing else { return }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// The partner read EOF: shut down this side's output once pending writes are out (NIO
    /// defers the shutdown until then). If this side's input is already shut, NIO closes the
    /// channel instead, so pending writes are flushed first.
    private func finishOutput() {
        guard let context, !outputFinishing else { return }
        outputFinishing = true
        let channel = context.channel
        flushThen(context) {
            channel.close(mode: .output, promise: nil)
        }
    }

    /// The partner's channel closed: write out what is pending, then close.
    private func partnerDidClose() {
        partner = nil
        partnerClosed = true
        guard let context else { return }
        let channel = context.channel
        flushThen(context) {
            channel.close(promise: nil)
        }
    }

    private func closeBoth() {
        partnerClosed = true
        if let partner {
            self.partner = nil
            partner.partner = nil
            partner.partnerClosed = true
            partner.context?.close(promise: nil)
        }
        context?.close(promise: nil)
    }

    /// Runs `body` once everything written so far has reached the socket (or failed). Writes
    /// complete in order, so an empty write's completion marks the point.
    private func flushThen(_ context: ChannelHandlerContext, _ body: @escaping @Sendable () -> Void) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        promise.futureResult.whenComplete { _ in body() }
    }
}
