/// One target port of one service: where the proxy listens for it and which replicas it
/// forwards to.
public struct ProxyRoute: Sendable, Hashable {
    /// Unique among routes, e.g. `ai-core/api:3000`.
    public var name: String
    /// Addresses to listen on, e.g. the service VIP `127.0.0.5:3000` and a published `0.0.0.0:8080`.
    public var listeners: [ProxyAddress]
    /// The ready replicas, right now.
    public var backends: [ProxyBackend]
    public var balance: ProxyBalance
    /// For TCP only.
    public var connect: ProxyConnect
    /// The protocol of the listeners and the backends alike.
    public var transport: ProxyTransport

    public init(name: String, listeners: [ProxyAddress], backends: [ProxyBackend], balance: ProxyBalance = .roundRobin,
                connect: ProxyConnect = .onFirstData, transport: ProxyTransport = .tcp) {
        self.name = name
        self.listeners = listeners
        self.backends = backends
        self.balance = balance
        self.connect = connect
        self.transport = transport
    }
}
