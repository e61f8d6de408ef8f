import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One bound listener of the proxy: its NIO channel and the socket's descriptor.
///
/// The proxy makes the socket itself so that it can stop it listening when the listener is
/// removed: every process cloned from the agent holds a copy of each of its descriptors until
/// it closes them (an instance does so only after its mounts, `aic_close_except`), and while
/// one copy is open, closing ours alone leaves the socket listening there, so a client could
/// still connect to an address the proxy has just given up. `shutdown(2)` acts on the socket,
/// not on the descriptor: the socket stops listening in every copy at once.
struct ProxyListener: Sendable {
    let channel: any Channel
    let descriptor: CInt

    /// Stops the socket listening, everywhere, then closes the channel. Returns once it is closed.
    func close() async {
        let channel = channel
        let descriptor = descriptor
        // On the channel's event loop: NIO closes the descriptor there, so while the channel is
        // active the number is still this socket's; and nothing runs between the shutdown and
        // the close.
        try? await channel.eventLoop.flatSubmit {
            if channel.isActive {
                _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
            }
            return channel.close()
        }.get()
        // Closed by now, by this call or an earlier one (then the call above failed).
        try? await channel.closeFuture.get()
    }
}
