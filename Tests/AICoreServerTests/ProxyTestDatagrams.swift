import NIOCore
import NIOPosix
import Synchronization
@testable import AICoreServer
import AICoreTestSupport

/// A UDP server on 127.0.0.1 (ephemeral port) standing in for one replica: it answers each
/// datagram with `<id>:<datagram>`, to the address it came from, so a test sees which replica
/// answered and that the answer found its way back.
final class ProxyTestDatagramBackend: Sendable {
    let id: String
    let port: Int
    private let channel: any Channel
    private let counted: Received

    private final class Received: Sendable {
        let datagrams = Atomic<Int>(0)
    }

    var backend: ProxyBackend { ProxyBackend(id: id, host: "127.0.0.1", port: port) }
    /// Datagrams the server received.
    var receivedCount: Int { counted.datagrams.load(ordering: .relaxed) }

    private init(id: String, port: Int, channel: any Channel, counted: Received) {
        self.id = id
        self.port = port
        self.channel = channel
        self.counted = counted
    }

    static func start(_ id: String) async throws -> ProxyTestDatagramBackend {
        let counted = Received()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(id: id, counted: counted))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyTestDatagramBackend(id: id, port: channel.localAddress?.port ?? 0, channel: channel, counted: counted)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let id: String
        let counted: Received

        init(id: String, counted: Received) {
            self.id = id
            self.counted = counted
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let datagram = unwrapInboundIn(data)
            counted.datagrams.wrappingAdd(1, ordering: .relaxed)
            let answer = ByteBuffer(string: "\(id):" + String(buffer: datagram.data))
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: datagram.remoteAddress, data: answer)), promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {}
    }
}

/// A UDP client on 127.0.0.1 (its own ephemeral port: its own session at the proxy) that
/// collects the datagrams it receives and who sent them.
final class ProxyTestDatagramClient: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    private final class Inbox: Sendable {
        let received = Mutex<[(text: String, from: SocketAddress)]>([])
    }

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open() async throws -> ProxyTestDatagramClient {
        let inbox = Inbox()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(inbox: inbox))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyTestDatagramClient(channel: channel, inbox: inbox)
    }

    /// One datagram to `host:port`.
    func send(_ text: String, to port: Int, host: String = "127.0.0.1") async throws {
        let address = try SocketAddress(ipAddress: host, port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text))).get()
    }

    /// What arrived, in order.
    var received: [String] { inbox.received.withLock { $0.map(\.text) } }
    /// Where each datagram came from.
    var senders: [SocketAddress] { inbox.received.withLock { $0.map(\.from) } }

    func waitFor(_ text: String) async -> Bool {
        await eventually { self.received.contains(text) }
    }

    func close() async {
        try? await channel.close()
    }

    private final class CollectingHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let datagram = unwrapInboundIn(data)
            inbox.received.withLock { $0.append((String(buffer: datagram.data), datagram.remoteAddress)) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {}
    }
}
