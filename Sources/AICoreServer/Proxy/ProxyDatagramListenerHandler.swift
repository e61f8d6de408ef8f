import NIOCore

/// The handler of a UDP listener: finds each client datagram's session by the client's address
/// (ip:port), starting one for a new client, and ends them all when the listener closes. Lives
/// on the listener's event loop, as its sessions do.
final class ProxyDatagramListenerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let proxy: ServiceProxy
    private let endpoint: ProxyEndpoint
    private var sessions: [SocketAddress: ProxyDatagramSession] = [:]

    init(proxy: ServiceProxy, endpoint: ProxyEndpoint) {
        self.proxy = proxy
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = unwrapInboundIn(data)
        let client = datagram.remoteAddress
        if let session = sessions[client] {
            session.send(datagram.data)
            return
        }
        let listener = context.channel
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        var made: ProxyDatagramSession?
        let admitted = proxy.admitSession(on: endpoint, open: sessions.count) { name, route, backend in
            let session = ProxyDatagramSession(client: client, listener: listener, route: route, backend: backend)
            made = session
            let bound = NIOLoopBound(session, eventLoop: loop)
            let entry = ServiceProxy.DatagramSessionEntry(route: name, backend: backend.backend) {
                loop.execute { bound.value.end() }
            }
            return (ObjectIdentifier(session), entry)
        }
        guard admitted, let session = made else {
            proxy.logger.trace("datagram dropped: no session for its client", metadata: ["listener": "\(endpoint)", "client": "\(client)"])
            return
        }
        sessions[client] = session
        let id = ObjectIdentifier(session)
        let proxy = proxy
        session.start(on: loop, proxy: proxy, endpoint: endpoint) {
            proxy.forgetSession(id)
            if let current = handler.value.sessions[client], ObjectIdentifier(current) == id {
                handler.value.sessions[client] = nil
            }
        }
        session.send(datagram.data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        for session in sessions.values { session.end() }
        context.fireChannelInactive()
    }

    /// A read error on an unconnected UDP socket (a stray ICMP error) concerns no session.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        proxy.logger.debug("udp listener: \(error)", metadata: ["listener": "\(endpoint)"])
    }
}
