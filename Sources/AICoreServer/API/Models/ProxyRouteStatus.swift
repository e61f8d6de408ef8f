/// One proxy route (`GET /v1/proxy`): where it listens, its ready backends and its counters.
public struct ProxyRouteStatus: Codable, Sendable, Equatable {
    public struct Backend: Codable, Sendable, Equatable {
        public var instance: String
        /// `HOST:PORT` the proxy connects to.
        public var address: String
        /// False for an instance that left the rotation and still has connections open.
        public var inRotation: Bool
        public var activeConnections: Int
        public var totalConnections: Int
        public var connectErrors: Int
        public var bytesIn: Int
        public var bytesOut: Int
    }

    /// `<stack>/<service>:<target port>`, with `/udp` after it for a UDP route.
    public var route: String
    public var stack: String
    public var service: String
    /// `HOST:PORT`, with `/udp` after it for a UDP route.
    public var listeners: [String]
    public var activeConnections: Int
    public var totalConnections: Int
    /// Closed at once: the route was at its connection limit.
    public var rejectedConnections: Int
    /// Closed without reaching a backend: none ready, or every connect failed.
    public var failedConnections: Int
    /// From clients.
    public var bytesIn: Int
    /// To clients.
    public var bytesOut: Int
    public var backends: [Backend]

    init(_ route: ServiceRoute, _ stats: ProxyRouteStats?) {
        self.route = route.name
        stack = route.stack
        service = route.service
        listeners = route.listeners.map { route.transport == .tcp ? $0.description : ProxyEndpoint($0, route.transport).description }
        activeConnections = stats?.activeConnections ?? 0
        totalConnections = stats?.totalConnections ?? 0
        rejectedConnections = stats?.rejectedConnections ?? 0
        failedConnections = stats?.failedConnections ?? 0
        bytesIn = stats?.bytesIn ?? 0
        bytesOut = stats?.bytesOut ?? 0
        var backends = (stats?.backends ?? []).map { backend in
            Backend(instance: backend.backend.id, address: backend.backend.address,
                    inRotation: backend.inRotation, activeConnections: backend.activeConnections,
                    totalConnections: backend.totalConnections, connectErrors: backend.connectErrors,
                    bytesIn: backend.bytesIn, bytesOut: backend.bytesOut)
        }
        // Ready backends the proxy has not counted anything for yet.
        for backend in route.backends where !backends.contains(where: { $0.instance == backend.id }) {
            backends.append(Backend(instance: backend.id, address: backend.address, inRotation: true,
                                    activeConnections: 0, totalConnections: 0, connectErrors: 0, bytesIn: 0, bytesOut: 0))
        }
        self.backends = backends
    }

    /// Every route the proxy serves now, with its counters.
    static func all(_ table: RouteTable) async -> [ProxyRouteStatus] {
        let stats = Dictionary(await table.currentStatistics().map { ($0.route, $0) }, uniquingKeysWith: { first, _ in first })
        return table.current.map { ProxyRouteStatus($0, stats[$0.name]) }
    }
}
