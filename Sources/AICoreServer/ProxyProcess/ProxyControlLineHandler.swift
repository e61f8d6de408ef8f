import NIOCore

/// Splits what a control connection reads into lines (without their newline) and hands them to
/// an `AsyncStream`, which ends when the connection closes. A line longer than `maxLine` closes
/// the connection: the peer is not speaking the protocol.
final class ProxyControlLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    static let maxLine = 16 << 20

    private let lines: AsyncStream<ByteBuffer>.Continuation
    private var pending = ByteBuffer()

    init(_ lines: AsyncStream<ByteBuffer>.Continuation) {
        self.lines = lines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending.writeBuffer(&buffer)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            if let line = pending.readSlice(length: length) { lines.yield(line) }
            pending.moveReaderIndex(forwardBy: 1)
        }
        pending.discardReadBytes()
        if pending.readableBytes > Self.maxLine {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lines.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        lines.finish()
    }
}

extension Channel {
    /// Writes one control message as a line; a failed write surfaces as the connection's end.
    func send(_ message: ProxyControlMessage) {
        guard let line = try? message.line() else { return }
        writeAndFlush(ByteBuffer(bytes: line), promise: nil)
    }
}
