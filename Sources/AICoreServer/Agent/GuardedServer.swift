import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// The agent's TCP server: HTTP/1.1 (optionally over TLS) with an idle timeout, a handshake
/// deadline and a cap on open connections (`TCPLimits`).
enum GuardedServer {
    static func builder(tls: TLSConfiguration?, limits: TCPLimits) -> HTTPServerBuilder {
        let counter = ConnectionCounter()
        let http = HTTP1Channel.Configuration(idleTimeout: TimeAmount(limits.idleTimeout))
        return HTTPServerBuilder { responder in
            let base = HTTP1Channel(responder: responder, configuration: http)
            guard let tls else { return GuardedChildChannel(base: base, limits: limits, counter: counter, tls: false) }
            return GuardedChildChannel(base: try TLSChannel(base, tlsConfiguration: tls), limits: limits, counter: counter, tls: true)
        }
    }
}
