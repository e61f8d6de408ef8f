/// Bounds on the agent's TCP endpoint, so that clients that connect and never finish (or
/// never start) cannot hold the agent's descriptors and memory.
public struct TCPLimits: Sendable, Equatable {
    /// A connection with no request in progress for this long is closed (a response being
    /// streamed, such as `logs -f` or `/v1/events`, is never cut).
    public var idleTimeout: Duration
    /// A TLS client that has not finished its handshake by then is closed.
    public var handshakeTimeout: Duration
    /// Connections open at once; one more is closed as soon as it is accepted.
    public var maxConnections: Int

    public init(idleTimeout: Duration = .seconds(60), handshakeTimeout: Duration = .seconds(10), maxConnections: Int = 256) {
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
        self.maxConnections = maxConnections
    }
}
