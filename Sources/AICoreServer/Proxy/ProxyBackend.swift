/// One ready replica a route forwards to: the instance's id and where it listens.
public struct ProxyBackend: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The instance id, for logs and stats.
    public var id: String
    public var host: String
    public var port: Int

    public init(id: String, host: String = "127.0.0.1", port: Int) {
        self.id = id
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets (as `ProxyAddress` writes it).
    public var address: String { ProxyAddress(host: host, port: port).description }

    public var description: String { "\(id)@\(address)" }
}
