import AICoreErrors
import NIOCore
import NIOPosix

/// Sends a query that is not ours to the upstreams, unchanged, and brings back the first answer.
/// Its sockets are made on the agent's event loops, whose threads are in the host's network
/// namespace: a loopback upstream (systemd-resolved's 127.0.0.53) is reachable from there and
/// from no instance.
struct DNSForwarder: Sendable {
    /// How long one upstream gets before the next is tried.
    var timeout: TimeAmount

    /// The upstream's answer to `query`, trying `upstreams` in order: over UDP, again over TCP if
    /// the UDP answer is truncated, or over TCP at once when the client asked over TCP. Nil when
    /// none answers.
    func forward(_ query: [UInt8], overTCP: Bool, to upstreams: [DNSUpstream], on loop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
        guard let upstream = upstreams.first, let queryID = DNSMessage.header(of: query)?.id else {
            return loop.makeSucceededFuture(nil)
        }
        let answer: EventLoopFuture<[UInt8]>
        if overTCP {
            answer = exchangeOverTCP(query, with: upstream, on: loop)
        } else {
            let timeout = self.timeout
            answer = exchangeOverUDP(query, id: queryID, with: upstream, on: loop).flatMap { response in
                guard let flags = DNSMessage.header(of: response)?.flags, flags & 0x0200 != 0 else {
                    return loop.makeSucceededFuture(response)
                }
                return DNSForwarder(timeout: timeout).exchangeOverTCP(query, with: upstream, on: loop)
            }
        }
        let rest = Array(upstreams.dropFirst())
        return answer.map { Optional($0) }.flatMapError { _ in
            self.forward(query, overTCP: overTCP, to: rest, on: loop)
        }
    }

    private func exchangeOverUDP(_ query: [UInt8], id: UInt16, with upstream: DNSUpstream, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        let promise = loop.makePromise(of: [UInt8].self)
        let address: SocketAddress
        do { address = try upstream.socketAddress } catch { return loop.makeFailedFuture(error) }
        let timeout = loop.scheduleTask(in: self.timeout) { promise.fail(Self.timedOut(upstream)) }
        // Connected: the kernel passes on datagrams from the upstream only, and a closed port's
        // ICMP error fails the exchange at once instead of after the timeout.
        DatagramBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_535))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamDatagramHandler(id: id, promise: promise))
                }
            }
            .connect(to: address)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    var buffer = channel.allocator.buffer(capacity: query.count)
                    buffer.writeBytes(query)
                    channel.writeAndFlush(buffer).cascadeFailure(to: promise)
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }

    private func exchangeOverTCP(_ query: [UInt8], with upstream: DNSUpstream, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        let promise = loop.makePromise(of: [UInt8].self)
        let address: SocketAddress
        do { address = try upstream.socketAddress } catch { return loop.makeFailedFuture(error) }
        let timeout = loop.scheduleTask(in: self.timeout) { promise.fail(Self.timedOut(upstream)) }
        ClientBootstrap(group: loop)
            .connectTimeout(self.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSStreamFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamStreamHandler(promise: promise))
                }
            }
            .connect(to: address)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(DNSStreamFrameDecoder.framed(query, allocator: channel.allocator)).cascadeFailure(to: promise)
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }

    static func timedOut(_ upstream: DNSUpstream) -> AICoreError {
        AICoreError(.timeout, "the upstream resolver \(upstream) did not answer")
    }
}

/// Completes the exchange with the first datagram that answers our query's ID; others (a late
/// answer to an earlier try) are ignored.
private final class UpstreamDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let id: UInt16
    let promise: EventLoopPromise<[UInt8]>

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        guard let bytes = envelope.data.readBytes(length: envelope.data.readableBytes),
              let header = DNSMessage.header(of: bytes), header.id == id, header.flags & 0x8000 != 0 else { return }
        promise.succeed(bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}

/// Completes the exchange with the first message on the stream, or fails when it ends first.
private final class UpstreamStreamHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    let promise: EventLoopPromise<[UInt8]>

    init(promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        promise.succeed(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
