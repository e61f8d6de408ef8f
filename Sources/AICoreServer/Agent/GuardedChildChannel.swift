import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Refused: the listener has as many connections open as it may.
struct ConnectionLimitReached: Error {}

/// Wraps a child channel: a connection beyond the cap is closed at once (the client sees its
/// connection end, rather than wait in the backlog), and a TLS handshake not done within the
/// deadline is closed. The idle timeout is HTTP1Channel's.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limits: TCPLimits
    let counter: ConnectionCounter
    let tls: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard counter.acquire(limit: limits.maxConnections) else {
            logger.debug("closing a TCP connection: \(limits.maxConnections) are open, the limit")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        let counter = counter
        channel.closeFuture.whenComplete { _ in counter.release() }
        let timeout = TimeAmount(limits.handshakeTimeout)
        let tls = tls
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            if tls {
                let operations = channel.pipeline.syncOperations
                let handshake = try operations.handler(type: NIOSSLServerHandler.self)
                try operations.addHandler(HandshakeDeadlineHandler(timeout: timeout), position: .after(handshake))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
