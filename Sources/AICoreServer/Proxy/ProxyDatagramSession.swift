import AICoreErrors
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One client of a UDP listener (an ip:port) and its backend: a connected UDP socket to that
/// backend carries the client's datagrams, and each datagram the backend sends back goes out of
/// the listener's socket to the client. Confined to the listener's event loop.
///
/// It ends, once, after `sessionIdleTimeout` with no datagram either way, when the backend
/// refuses (an ICMP port unreachable turns into ECONNREFUSED on the connected socket: the
/// client's next datagram picks a backend again), when the backend leaves the route, or when the
/// listener closes. Ending uncounts it from its route and backend.
final class ProxyDatagramSession {
    let client: SocketAddress
    private let listener: any Channel
    private let route: ProxyRouteCounters
    private let backend: ProxyBackendCounters
    /// The connected socket, once connected.
    private var channel: (any Channel)?
    /// Datagrams that arrived while the socket was connecting, sent once it is.
    private var pending: [ByteBuffer] = []
    private var ended = false
    private var onEnd: (() -> Void)?

    /// Datagrams held while connecting; more are dropped, as a full socket buffer would.
    static let maxPending = 16

    init(client: SocketAddress, listener: any Channel, route: ProxyRouteCounters, backend: ProxyBackendCounters) {
        self.client = client
        self.listener = listener
        self.route = route
        self.backend = backend
    }

    /// Connects the backend socket on `loop` (the listener's); `onEnd` runs once it ended.
    func start(on loop: any EventLoop, proxy: ServiceProxy, endpoint: ProxyEndpoint, onEnd: @escaping () -> Void) {
        self.onEnd = onEnd
        let target = backend.backend
        let logger = proxy.logger
        let this = NIOLoopBound(self, eventLoop: loop)
        let connected: EventLoopFuture<any Channel>
        if let bootstrap = DatagramBootstrap(validatingGroup: loop) {
            let idleTimeout = proxy.sessionIdleTimeout
            let configured = bootstrap
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: ServiceProxy.maxDatagram))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(allTimeout: idleTimeout), BackendHandler(session: this.value))
                    }
                }
            if let address = try? SocketAddress(ipAddress: target.host, port: target.port) {
                connected = configured.connect(to: address)
            } else {
                connected = configured.connect(host: target.host, port: target.port)
            }
        } else {
            connected = loop.makeFailedFuture(
                AICoreError(code: .unsupportedEventLoopGroup, message: "the listener's event loop is not a NIOPosix one"))
        }
        connected.hop(to: loop).whenComplete { result in
            let session = this.value
            switch result {
            case .success(let channel):
                session.backend.total.wrappingAdd(1, ordering: .relaxed)
                channel.closeFuture.hop(to: loop).whenComplete { _ in this.value.finish() }
                session.channel = channel
                if session.ended {
                    channel.close(promise: nil)
                    return
                }
                for datagram in session.pending { session.forward(datagram, on: channel) }
                session.pending = []
                logger.trace("udp session started", metadata: [
                    "listener": "\(endpoint)", "client": "\(session.client)", "instance": "\(target.id)", "backend": "\(target)"])
            case .failure(let error):
                session.backend.connectErrors.wrappingAdd(1, ordering: .relaxed)
                session.route.failed.wrappingAdd(1, ordering: .relaxed)
                logger.debug("udp backend socket failed; session ended", metadata: [
                    "listener": "\(endpoint)", "instance": "\(target.id)", "backend": "\(target)", "error": "\(error)"])
                session.ended = true
                session.finish()
            }
        }
    }

    /// A datagram from the client.
    func send(_ datagram: ByteBuffer) {
        guard !ended else { return }
        guard let channel else {
            if pending.count < Self.maxPending { pending.append(datagram) }
            return
        }
        forward(datagram, on: channel)
    }

    private func forward(_ datagram: ByteBuffer, on channel: any Channel) {
        // A socket that cannot take more drops the datagram, as the kernel would: queueing it
        // would let one client's flood grow without bound.
        guard channel.isWritable else { return }
        let size = datagram.readableBytes
        route.bytesIn.wrappingAdd(size, ordering: .relaxed)
        backend.bytesIn.wrappingAdd(size, ordering: .relaxed)
        channel.writeAndFlush(datagram, promise: nil)
    }

    /// A datagram from the backend, out of the listener's socket to the client.
    fileprivate func reply(_ datagram: ByteBuffer) {
        guard !ended, listener.isActive, listener.isWritable else { return }
        let size = datagram.readableBytes
        route.bytesOut.wrappingAdd(size, ordering: .relaxed)
        backend.bytesOut.wrappingAdd(size, ordering: .relaxed)
        listener.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: datagram), promise: nil)
    }

    /// Ends the session: closes the backend socket (or, while it connects, once connected).
    func end() {
        guard !ended else { return }
        ended = true
        pending = []
        channel?.close(promise: nil)
    }

    /// Uncounts the ended session, once its socket closed (or failed to connect).
    private func finish() {
        ended = true
        guard let onEnd else { return }
        self.onEnd = nil
        route.active.wrappingSubtract(1, ordering: .relaxed)
        backend.active.wrappingSubtract(1, ordering: .relaxed)
        onEnd()
    }

    /// The backend socket's handler: replies go to the client; idleness and errors end the session.
    private final class BackendHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        private let session: ProxyDatagramSession

        init(session: ProxyDatagramSession) {
            self.session = session
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            session.reply(unwrapInboundIn(data).data)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case IdleStateHandler.IdleStateEvent.all = event {
                context.close(promise: nil)
            } else {
                context.fireUserInboundEventTriggered(event)
            }
        }

        /// ECONNREFUSED is the backend's ICMP port unreachable: nothing listens there (now).
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if (error as? IOError)?.errnoCode == ECONNREFUSED {
                session.backend.connectErrors.wrappingAdd(1, ordering: .relaxed)
            }
            context.close(promise: nil)
        }
    }
}
