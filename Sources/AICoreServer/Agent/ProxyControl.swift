/// What the agent needs of its service proxy; `ServiceProxy` is the real one.
public protocol ProxyControl: Sendable {
    /// Serves exactly `routes` (binds new listeners, closes gone ones, swaps backends).
    func serve(_ routes: [ServiceRoute]) async throws
    /// Replaces one route's backends (readiness changed). Unknown route: ignored.
    func updateBackends(_ route: String, _ backends: [ProxyBackend])
    /// Counters per route and backend.
    func statistics() -> [ProxyRouteStats]
    /// Counters per route and backend as of this call (the REST API's and metrics' reads):
    /// `statistics()` may be a snapshot a moment old.
    func currentStatistics() async -> [ProxyRouteStats]
}

extension ProxyControl {
    public func currentStatistics() async -> [ProxyRouteStats] { statistics() }
}

/// One target port of a service as the proxy serves it: where it listens, and the ready
/// instances behind it.
public struct ServiceRoute: Sendable, Hashable, Codable {
    /// `<stack>/<service>:<target port>`, with `/udp` after it for UDP.
    public var name: String
    public var stack: String
    public var service: String
    public var target: Int
    public var listeners: [ProxyAddress]
    public var backends: [ProxyBackend]
    public var balance: ProxyBalance
    public var connect: ProxyConnect
    public var transport: ProxyTransport

    public init(name: String, stack: String, service: String, target: Int, listeners: [ProxyAddress], backends: [ProxyBackend],
                balance: ProxyBalance = .roundRobin, connect: ProxyConnect = .onFirstData, transport: ProxyTransport = .tcp) {
        self.name = name
        self.stack = stack
        self.service = service
        self.target = target
        self.listeners = listeners
        self.backends = backends
        self.balance = balance
        self.connect = connect
        self.transport = transport
    }

    private enum CodingKeys: String, CodingKey {
        case name, stack, service, target, listeners, backends, balance, connect, transport
    }

    /// A route without `transport` (from a proxy or agent that predates UDP) is TCP.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name),
                  stack: try container.decode(String.self, forKey: .stack),
                  service: try container.decode(String.self, forKey: .service),
                  target: try container.decode(Int.self, forKey: .target),
                  listeners: try container.decode([ProxyAddress].self, forKey: .listeners),
                  backends: try container.decode([ProxyBackend].self, forKey: .backends),
                  balance: try container.decode(ProxyBalance.self, forKey: .balance),
                  connect: try container.decode(ProxyConnect.self, forKey: .connect),
                  transport: try container.decodeIfPresent(ProxyTransport.self, forKey: .transport) ?? .tcp)
    }

    /// What the proxy serves of it.
    public var proxyRoute: ProxyRoute {
        ProxyRoute(name: name, listeners: listeners, backends: backends, balance: balance, connect: connect, transport: transport)
    }
}

extension ProxyAddress {
    /// Every address of its family (`0.0.0.0`, `::`).
    var isWildcard: Bool { host == "0.0.0.0" || host == "::" }
}
