import AICoreAddresses

/// One network a service is attached to (an entry of its `networks`), with what the entry says
/// about the service's endpoint there.
public struct ServiceNetwork: Sendable, Hashable {
    /// The key of the network in the stack's top-level `networks` (or `default`).
    public var name: String
    /// More names the service answers to on this network, besides its own.
    public var aliases: [String]
    /// A fixed address inside the network's configured subnet.
    public var ipv4Address: IPv4Address?
    /// A fixed IPv6 address, as written (the network needs `enable_ipv6`).
    public var ipv6Address: String?
    /// Networks are attached highest priority first.
    public var priority: Int
    /// The interface's name inside the instance (`eth0`, … when nil).
    public var interfaceName: String?
    public var macAddress: String?

    public init(
        name: String, aliases: [String] = [], ipv4Address: IPv4Address? = nil, ipv6Address: String? = nil,
        priority: Int = 0, interfaceName: String? = nil, macAddress: String? = nil
    ) {
        self.name = name
        self.aliases = aliases
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
        self.priority = priority
        self.interfaceName = interfaceName
        self.macAddress = macAddress
    }

    /// Compose's attachment order: highest priority first, then by name.
    public static func attachmentOrder(_ a: ServiceNetwork, _ b: ServiceNetwork) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.name < b.name
    }
}

extension ServiceNetwork {
    /// `ipv6_address` as a value (the loader has checked it parses).
    public var ipv6AddressValue: IPv6Address? { ipv6Address.flatMap { IPv6Address($0) } }

    /// `mac_address` as its six bytes (the loader has checked it parses).
    public var macBytes: [UInt8]? { macAddress.flatMap(NetworkSyntax.macBytes) }
}
