import NIOCore

/// One command written to Redis, with the promise its reply completes.
struct RedisRequest: Sendable {
    var arguments: [String]
    var promise: EventLoopPromise<RESPValue>
}

/// Writes commands and matches replies to them in order (Redis answers in order).
/// Every pending command fails when the connection errors or closes.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPParser.encode(command: request.arguments, into: &buffer)
        pending.append(request.promise)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let promise = pending.popFirst() else {
            // A reply nobody asked for: the stream is out of step, so drop the connection.
            context.close(promise: nil)
            return
        }
        promise.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while let promise = pending.popFirst() {
            promise.fail(error)
        }
    }
}
