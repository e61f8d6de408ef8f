import NIOCore

/// One instance's UDP socket: each datagram is a query, answered to where it came from.
final class DNSDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let server: DNSServer
    let instance: String

    init(server: DNSServer, instance: String) {
        self.server = server
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        guard let query = envelope.data.readBytes(length: envelope.data.readableBytes) else { return }
        let channel = context.channel
        let client = envelope.remoteAddress
        server.respond(to: query, from: instance, overTCP: false, on: context.eventLoop).whenSuccess { response in
            guard let response else { return }
            var buffer = channel.allocator.buffer(capacity: response.count)
            buffer.writeBytes(response)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: buffer), promise: nil)
        }
    }

    /// A client gone before its answer (ICMP port unreachable) must not close the socket that
    /// serves every other client.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// One TCP connection: length-prefixed queries, answered on it in the order their answers come.
final class DNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    let server: DNSServer
    let instance: String

    init(server: DNSServer, instance: String) {
        self.server = server
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        let channel = context.channel
        server.respond(to: query, from: instance, overTCP: true, on: context.eventLoop).whenSuccess { response in
            guard let response else { return }
            channel.writeAndFlush(DNSStreamFrameDecoder.framed(response, allocator: channel.allocator), promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
