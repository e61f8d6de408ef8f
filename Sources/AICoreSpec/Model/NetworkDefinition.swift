import AICoreAddresses

/// A top-level network: a bridge of the stack on this node, or an external one made outside it.
public struct NetworkDefinition: Sendable, Hashable {
    public var key: String
    /// `<project>_<key>` unless `name:` says otherwise; for an external network, `name:` or the key.
    public var name: String
    /// `bridge` when written; nothing else exists on one node.
    public var driver: String?
    public var external: Bool
    /// No route out of the network.
    public var `internal`: Bool
    public var labels: [String: String]
    /// The addresses the file asks for; nil lets the agent pick a subnet from its pools.
    public var ipam: IPAMConfig?
    public var enableIPv6: Bool

    public init(
        key: String, name: String, driver: String? = nil, external: Bool = false, internal: Bool = false,
        labels: [String: String] = [:], ipam: IPAMConfig? = nil, enableIPv6: Bool = false
    ) {
        self.key = key
        self.name = name
        self.driver = driver
        self.external = external
        self.internal = `internal`
        self.labels = labels
        self.ipam = ipam
        self.enableIPv6 = enableIPv6
    }

    /// The IPv4 subnets the file configures (none: the agent allocates one).
    public var subnets: [IPv4Network] { ipam?.config.map(\.subnet) ?? [] }
}
