import AICoreAddresses

/// What the agent's nftables table needs to know of one network.
public struct FirewallNetwork: Sendable, Hashable {
    /// The network's name (`<stack>_default`); only for the rules' comments.
    public var name: String
    /// Its bridge's interface name (`aic-…`): the rules match traffic by interface.
    public var bridge: String
    public var subnet: IPv4Network
    /// The IPv6 subnet of an `enable_ipv6` network; nil: IPv4 only.
    public var subnet6: IPv6Network?
    /// `internal: true`: no egress and no masquerade.
    public var `internal`: Bool
    /// The VIPs the agent's proxy listens on for this network (on the bridge, host side): the
    /// only host addresses its instances may reach.
    public var serviceAddresses: [IPv4Address]

    public init(name: String, bridge: String, subnet: IPv4Network, subnet6: IPv6Network? = nil, internal: Bool = false,
                serviceAddresses: [IPv4Address] = []) {
        self.name = name
        self.bridge = bridge
        self.subnet = subnet
        self.subnet6 = subnet6
        self.internal = `internal`
        self.serviceAddresses = serviceAddresses
    }
}
