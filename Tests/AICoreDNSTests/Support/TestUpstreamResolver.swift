import AICoreAddresses
@testable import AICoreDNS
import NIOCore
import NIOPosix
import Synchronization

/// The "outside" resolver the tests forward to: UDP and TCP on one port of 127.0.0.1 in the test
/// process's namespace (where the agent's forwarding sockets are made). It knows two names:
/// `outside.example` (192.0.2.1) and `big.example`, which over UDP comes back truncated and over
/// TCP has 192.0.2.2. Everything else is NXDOMAIN. It records what it was asked, and how.
final class TestUpstreamResolver: Sendable {
    static let outside = IPv4Address("192.0.2.1")!
    static let big = IPv4Address("192.0.2.2")!

    let port: Int
    private let channels: [any Channel]
    private let log: QueryLog

    /// `"udp outside.example"`, `"tcp big.example"`, … in the order they came.
    var asked: [String] { log.entries.withLock { $0 } }

    init(group: any EventLoopGroup) async throws {
        let log = QueryLog()
        var attempt = 0
        while true {
            attempt += 1
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UpstreamUDPHandler(log: log))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = udp.localAddress?.port ?? 0
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSStreamFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(UpstreamTCPHandler(log: log))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                self.port = port
                self.channels = [udp, tcp]
                self.log = log
                return
            } catch {
                // The TCP side of the UDP port was taken: another port.
                try await udp.close()
                if attempt >= 20 { throw error }
            }
        }
    }

    var upstream: DNSUpstream { DNSUpstream(IPv4Address("127.0.0.1")!, port: UInt16(port)) }

    func close() async {
        for channel in channels { try? await channel.close() }
    }

    static func answer(_ bytes: [UInt8], overTCP: Bool, log: QueryLog) -> [UInt8]? {
        guard let query = try? DNSMessage(decoding: bytes), let question = query.questions.first else { return nil }
        log.entries.withLock { $0.append("\(overTCP ? "tcp" : "udp") \(question.name.key)") }
        var response = DNSMessage(id: query.id, flags: query.flags, questions: query.questions)
        response.isResponse = true
        response.recursionAvailable = true
        switch question.name.key {
        case "outside.example":
            response.answers = [DNSRecord(name: question.name, type: .a, ttl: 60, data: .ipv4(outside))]
        case "big.example" where !overTCP:
            response.isTruncated = true
        case "big.example":
            response.answers = [DNSRecord(name: question.name, type: .a, ttl: 60, data: .ipv4(big))]
        default:
            response.responseCode = .nameError
        }
        return response.encoded()
    }
}

private final class UpstreamUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let log: QueryLog

    init(log: QueryLog) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        guard let bytes = envelope.data.readBytes(length: envelope.data.readableBytes),
              let answer = TestUpstreamResolver.answer(bytes, overTCP: false, log: log) else { return }
        context.writeAndFlush(NIOAny(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer))), promise: nil)
    }
}

private final class UpstreamTCPHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    let log: QueryLog

    init(log: QueryLog) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let answer = TestUpstreamResolver.answer(unwrapInboundIn(data), overTCP: true, log: log) else { return }
        var buffer = context.channel.allocator.buffer(capacity: answer.count + 2)
        buffer.writeInteger(UInt16(answer.count))
        buffer.writeBytes(answer)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }
}

/// What the upstream was asked, shared by its handlers.
final class QueryLog: Sendable {
    let entries = Mutex<[String]>([])
}
