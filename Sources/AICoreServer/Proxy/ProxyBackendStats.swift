/// Counters of one backend of a route. Byte counts include connections still open.
public struct ProxyBackendStats: Sendable, Hashable, Codable {
    public var backend: ProxyBackend
    /// False once `setBackends`/`apply` removed it; it stays listed while connections to it
    /// are still open, so a caller can wait for `activeConnections == 0` (drain).
    public var inRotation: Bool
    /// Open connections, including connects in progress.
    public var activeConnections: Int
    /// Connections established since the backend joined the route.
    public var totalConnections: Int
    /// Connects that failed (refused, timed out, unreachable).
    public var connectErrors: Int
    /// Bytes read from clients and sent to this backend.
    public var bytesIn: Int
    /// Bytes read from this backend and sent to clients.
    public var bytesOut: Int

    public init(backend: ProxyBackend, inRotation: Bool, activeConnections: Int = 0, totalConnections: Int = 0,
                connectErrors: Int = 0, bytesIn: Int = 0, bytesOut: Int = 0) {
        self.backend = backend
        self.inRotation = inRotation
        self.activeConnections = activeConnections
        self.totalConnections = totalConnections
        self.connectErrors = connectErrors
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
}
