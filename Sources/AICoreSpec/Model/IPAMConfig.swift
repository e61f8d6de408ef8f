import AICoreAddresses

/// A network's `ipam`: the subnets, gateways and allocation ranges the file asks for.
public struct IPAMConfig: Sendable, Hashable {
    /// `default` when written; no other IPAM driver exists.
    public var driver: String?
    /// The IPv4 pools, in the order written.
    public var config: [IPAMPool]
    /// IPv6 pools (only with `enable_ipv6`), recorded as written.
    public var ipv6Config: [IPv6Pool]

    public init(driver: String? = nil, config: [IPAMPool] = [], ipv6Config: [IPv6Pool] = []) {
        self.driver = driver
        self.config = config
        self.ipv6Config = ipv6Config
    }
}

/// One IPv4 entry of `ipam.config`.
public struct IPAMPool: Sendable, Hashable {
    public var subnet: IPv4Network
    /// The bridge's address; nil: the subnet's first host address.
    public var gateway: IPv4Address?
    /// Where dynamic addresses are drawn from; nil: the whole subnet.
    public var ipRange: IPv4Network?

    public init(subnet: IPv4Network, gateway: IPv4Address? = nil, ipRange: IPv4Network? = nil) {
        self.subnet = subnet
        self.gateway = gateway
        self.ipRange = ipRange
    }

    /// The gateway the bridge gets: the one written, or the subnet's first host address.
    public var effectiveGateway: IPv4Address { gateway ?? IPv4Address(subnet.first.value &+ 1) }
}

/// One IPv6 entry of `ipam.config`, as written.
public struct IPv6Pool: Sendable, Hashable {
    public var subnet: String
    public var gateway: String?
    public var ipRange: String?

    public init(subnet: String, gateway: String? = nil, ipRange: String? = nil) {
        self.subnet = subnet
        self.gateway = gateway
        self.ipRange = ipRange
    }

    /// The subnet, gateway and range as values (the loader has checked they parse).
    public var subnetValue: IPv6Network? { IPv6Network(subnet)?.normalized }
    public var gatewayValue: IPv6Address? { gateway.flatMap { IPv6Address($0) } }
    public var ipRangeValue: IPv6Network? { ipRange.flatMap { IPv6Network($0)?.normalized } }

    /// The bridge's IPv6 address: the one written, or the subnet's `::1`.
    public var effectiveGateway: IPv6Address? { gatewayValue ?? subnetValue.map { $0.first.adding(1) } }
}
