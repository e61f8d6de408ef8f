/// What the agent needs of its service proxy; `ServiceProxy` is the real one.
public protocol ProxyControl: Sendable {
    /// Serves exactly `routes` (binds new listeners, closes gone ones, swaps backends).
    func serve(_ routes: [ServiceRoute]) async throws
    /// Replaces one route's backends (readiness changed). Unknown route: ignored.
    func updateBackends(_ route: String, _ backends: [ServiceRoute.Backend])
    /// Counters per route and backend.
    func statistics() -> [ProxyRouteStats]
}

/// One target port of a service as the proxy serves it: where it listens, and the ready
/// instances behind it.
public struct ServiceRoute: Sendable, Hashable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
        var isWildcard: Bool { host == "0.0.0.0" || host == "::" }
    }

    public struct Backend: Sendable, Hashable {
        public var instance: String
        public var host: String
        public var port: Int
        public init(instance: String, host: String, port: Int) {
            self.instance = instance
            self.host = host
            self.port = port
        }
    }

    public enum Balance: String, Sendable, Hashable {
        case roundRobin = "round_robin"
        case leastConnections = "least_connections"
    }

    /// When a client gets its replica connection: at its first bytes, or at once (server speaks first).
    public enum Connect: String, Sendable, Hashable {
        case onFirstData = "on_first_data"
        case onAccept = "on_accept"
    }

    /// `<stack>/<service>:<target port>`.
    public var name: String
    public var stack: String
    public var service: String
    public var target: Int
    public var listeners: [Address]
    public var backends: [Backend]
    public var balance: Balance
    public var connect: Connect

    public init(name: String, stack: String, service: String, target: Int, listeners: [Address], backends: [Backend],
                balance: Balance = .roundRobin, connect: Connect = .onFirstData) {
        self.name = name
        self.stack = stack
        self.service = service
        self.target = target
        self.listeners = listeners
        self.backends = backends
        self.balance = balance
        self.connect = connect
    }
}
