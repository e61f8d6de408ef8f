import AICoreOS
import NIOCore
import NIOPosix
import Synchronization
@testable import AICoreServer
import AICoreTestSupport

/// A TCP server on 127.0.0.1 (ephemeral port) standing in for one replica.
final class ProxyTestBackend: Sendable {
    enum Mode: Sendable {
        /// Writes back every byte; on EOF, shuts its output once the echo is out.
        case echo
        /// Reads until EOF, then answers `got N bytes` and shuts its output.
        case replyOnEOF
        /// Speaks first, as MySQL or SMTP do: sends `greeting` once connected, then echoes.
        case greeting(String)
    }

    let id: String
    let port: Int
    private let listener: any Channel
    private let connections: Connections

    /// The connections the server accepted, counted and kept for `stop()`.
    private final class Connections: Sendable {
        let accepted = Atomic<Int>(0)
        let open = Mutex<[ObjectIdentifier: any Channel]>([:])

        func track(_ channel: any Channel) {
            accepted.wrappingAdd(1, ordering: .relaxed)
            open.withLock { $0[ObjectIdentifier(channel)] = channel }
            channel.closeFuture.whenComplete { [self] _ in
                _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
    }

    var backend: ProxyBackend { ProxyBackend(id: id, host: "127.0.0.1", port: port) }
    var acceptedCount: Int { connections.accepted.load(ordering: .relaxed) }

    private init(id: String, port: Int, listener: any Channel, connections: Connections) {
        self.id = id
        self.port = port
        self.listener = listener
        self.connections = connections
    }

    static func start(_ id: String, mode: Mode = .echo) async throws -> ProxyTestBackend {
        let connections = Connections()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    connections.track(channel)
                    switch mode {
                    case .echo: try channel.pipeline.syncOperations.addHandler(EchoHandler())
                    case .replyOnEOF: try channel.pipeline.syncOperations.addHandler(ReplyOnEOFHandler())
                    case .greeting(let text): try channel.pipeline.syncOperations.addHandler(EchoHandler(greeting: text))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyTestBackend(id: id, port: listener.localAddress?.port ?? 0, listener: listener, connections: connections)
    }

    func stop() async {
        try? await listener.close()
        for channel in connections.open.withLock({ Array($0.values) }) { try? await channel.close() }
    }

    private final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let greeting: String?

        init(greeting: String? = nil) {
            self.greeting = greeting
        }

        func channelActive(context: ChannelHandlerContext) {
            if let greeting {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
            }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.write(data, promise: nil)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event {
                context.flush()
                context.close(mode: .output, promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private final class ReplyOnEOFHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var count = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            count += unwrapInboundIn(data).readableBytes
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "got \(count) bytes")), promise: nil)
                context.close(mode: .output, promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A client connection through the proxy that collects what it receives.
final class ProxyTestConnection: Sendable {
    /// What the connection received; shared by the channel handler and the test.
    private final class Inbox: Sendable {
        struct State {
            var bytes: [UInt8] = []
            var endOfInput = false
            var closed = false
        }
        let state = Mutex(State())
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(port: Int, host: String = "127.0.0.1") async throws -> ProxyTestConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(inbox: inbox))
                }
            }
            .connect(host: host, port: port)
            .get()
        return ProxyTestConnection(channel: channel, inbox: inbox)
    }

    private final class CollectingHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            inbox.state.withLock { $0.bytes.append(contentsOf: buffer.readableBytesView) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { inbox.state.withLock { $0.endOfInput = true } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.state.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    var received: [UInt8] { inbox.state.withLock { $0.bytes } }
    var receivedCount: Int { inbox.state.withLock { $0.bytes.count } }
    var text: String { String(decoding: received, as: UTF8.self) }
    /// The peer sent EOF or the connection closed.
    var peerFinished: Bool { inbox.state.withLock { $0.endOfInput || $0.closed } }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Sends large data in chunks without waiting for each (NIO queues them in order).
    func sendChunked(_ bytes: [UInt8], chunk: Int = 64 * 1024) async throws {
        var start = 0
        var last: EventLoopFuture<Void>?
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            last = channel.writeAndFlush(ByteBuffer(bytes: bytes[start..<end]))
            start = end
        }
        try await last?.get()
    }

    /// Half-close: no more bytes from the client.
    func finishWriting() async throws {
        try await channel.close(mode: .output).get()
    }

    func setReading(_ reading: Bool) async throws {
        try await channel.setOption(.autoRead, value: reading).get()
    }

    func waitForText(_ expected: String) async -> Bool {
        await eventually { self.text == expected }
    }

    func waitForCount(_ count: Int) async -> Bool {
        await eventually { self.receivedCount >= count }
    }

    func waitUntilPeerFinished() async -> Bool {
        await eventually { self.peerFinished }
    }

    func close() async {
        try? await channel.close()
    }
}

/// A free port on 127.0.0.1 for a proxy listener (nothing listens on it when returned; see `TestPort`).
func freeLoopbackPort() throws -> Int {
    try TestPort.next()
}
