/// Counters of one route, since it was first applied. Byte counts include connections still open.
public struct ProxyRouteStats: Sendable, Hashable, Codable {
    public var route: String
    /// Client connections open now.
    public var activeConnections: Int
    /// Client connections accepted (including those then closed for lack of a backend).
    public var totalConnections: Int
    /// Client connections closed at once because the route was at its connection limit.
    public var rejectedConnections: Int
    /// Client connections closed without reaching a backend: none in rotation, or every connect failed.
    public var failedConnections: Int
    /// Bytes read from clients.
    public var bytesIn: Int
    /// Bytes sent back to clients.
    public var bytesOut: Int
    /// In rotation first (in route order), then removed backends that still have open connections.
    public var backends: [ProxyBackendStats]

    public init(route: String, activeConnections: Int = 0, totalConnections: Int = 0, rejectedConnections: Int = 0,
                failedConnections: Int = 0, bytesIn: Int = 0, bytesOut: Int = 0, backends: [ProxyBackendStats] = []) {
        self.route = route
        self.activeConnections = activeConnections
        self.totalConnections = totalConnections
        self.rejectedConnections = rejectedConnections
        self.failedConnections = failedConnections
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.backends = backends
    }

    /// The counters of the backend with this instance id, if listed.
    public func backend(_ id: String) -> ProxyBackendStats? {
        backends.first { $0.backend.id == id }
    }
}
