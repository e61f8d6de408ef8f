import AICoreAddresses
import AICoreErrors
import AICoreSystem

/// What the node has handed out: each network's subnet and bridge, and each instance's address
/// on it. Allocations are stable: asking again for a network or an instance that has one gives
/// the same answer (after an agent restart too, once `NetworkAllocationFile` has read them back),
/// so re-adopted instances keep their addresses. Pure: no I/O.
public struct NetworkAllocations: Codable, Sendable, Equatable {
    public struct Network: Codable, Sendable, Equatable {
        public var subnet: IPv4Network
        /// The bridge's interface name (at most 15 bytes).
        public var bridge: String
        /// Instance → address.
        public var addresses: [String: IPv4Address]
        /// No way out (`internal: true`): no masquerade, no default route. nil in files from
        /// before it was kept.
        public var isInternal: Bool?
        /// `ipam.config[].gateway`; nil: the subnet's first host address.
        public var chosenGateway: IPv4Address?
        /// `ipam.config[].ip_range`: where addresses are handed out from (a static
        /// `ipv4_address` may lie anywhere in the subnet); nil: the whole subnet.
        public var range: IPv4Network?

        /// The IPv6 subnet of an `enable_ipv6` network (a /64 of the node's ULA prefix, or the
        /// file's); nil: IPv4 only (and in files from before IPv6).
        public var subnet6: IPv6Network?
        /// `ipam.config[].gateway` of the IPv6 entry; nil: the subnet's `::1`.
        public var chosenGateway6: IPv6Address?
        /// `ipam.config[].ip_range` of the IPv6 entry.
        public var range6: IPv6Network?
        /// Instance → IPv6 address (VIPs have none: they stay IPv4). nil in files from before.
        public var addresses6: [String: IPv6Address]?

        /// The subnet's first host address, the bridge's own: every instance's default route.
        public var gateway: IPv4Address { chosenGateway ?? IPv4Address(subnet.first.value + 1) }

        /// The bridge's IPv6 address (`::1` of the subnet unless the file gave one).
        public var gateway6: IPv6Address? { chosenGateway6 ?? subnet6.map { $0.first.adding(1) } }
    }

    public internal(set) var networks: [String: Network] = [:]
    /// The node's ULA prefix (RFC 4193: fd00::/8 and 40 random bits, a /48), made once and
    /// kept: IPv6 networks get their /64s from it unless `networks.pools6` says otherwise.
    public internal(set) var ulaPrefix: IPv6Network?

    public init() {}

    /// The network `name`, allocating it when new: `requested` (the stack's `ipam.config`
    /// subnet) or the first free subnet of `pools`. A subnet must not overlap another network's
    /// nor a route of the host (`hostRoutes`; the routes of this node's own bridges are
    /// recognised as theirs).
    /// `gateway` and `range` (the file's `ipam.config` gateway and `ip_range`) go with a
    /// requested subnet.
    public mutating func network(_ name: String, requested: IPv4Network? = nil, gateway: IPv4Address? = nil, range: IPv4Network? = nil,
                                 pools: [AddressPool] = AddressPool.defaults,
                                 hostRoutes: [IPv4Network] = []) throws(AICoreError) -> Network {
        if let existing = networks[name] {
            if let requested, Self.normalized(requested) != existing.subnet {
                throw AICoreError(.conflict, "network \(name) has the subnet \(existing.subnet), not \(requested); remove the network (down) to change its subnet")
            }
            if let gateway, gateway != existing.gateway {
                throw AICoreError(.conflict, "network \(name) has the gateway \(existing.gateway), not \(gateway); remove the network (down) to change it")
            }
            return existing
        }
        let foreignRoutes = self.foreignRoutes(hostRoutes)
        let subnet: IPv4Network
        if let requested {
            let wanted = Self.normalized(requested)
            guard wanted.prefix <= 30 else {
                throw AICoreError(.invalidSpec, "network \(name): the subnet \(requested) is too small; give a /30 or larger")
            }
            if let (other, network) = networks.first(where: { $0.value.subnet.overlaps(wanted) }).map({ ($0.key, $0.value) }) {
                throw AICoreError(.conflict, "network \(name): the subnet \(wanted) overlaps \(network.subnet) of network \(other)")
            }
            if let route = hostRoute(overlapping: wanted, among: hostRoutes) {
                throw AICoreError(.conflict, "network \(name): the subnet \(wanted) overlaps the host's route to \(route); choose another subnet")
            }
            subnet = wanted
        } else {
            guard let free = SubnetAllocator.next(from: pools, avoiding: networks.values.map(\.subnet) + foreignRoutes) else {
                throw AICoreError(.exhausted, "network \(name): every subnet of the address pools (\(pools.map(\.description).joined(separator: ", "))) is taken or routed; remove unused networks or add a pool")
            }
            subnet = free
        }
        var network = Network(subnet: subnet, bridge: Self.bridgeName(for: name), addresses: [:])
        if requested != nil {
            if let gateway {
                guard subnet.contains(gateway), gateway != subnet.first, gateway != subnet.last else {
                    throw AICoreError(.invalidSpec, "network \(name): the gateway \(gateway) is not a host address of \(subnet)")
                }
                network.chosenGateway = gateway
            }
            if let range {
                guard subnet.contains(range.first), range.prefix >= subnet.prefix else {
                    throw AICoreError(.invalidSpec, "network \(name): the ip_range \(range) is not inside \(subnet)")
                }
                network.range = IPv4Network(address: range.first, prefix: range.prefix)
            }
        }
        networks[name] = network
        return network
    }

    /// The first of `hostRoutes` that `subnet` overlaps, leaving out the routes of this node's
    /// own bridges; nil for the subnet of a network this node has already, which `network`
    /// finds as it is (a route that came later does not take it away).
    public func hostRoute(overlapping subnet: IPv4Network, among hostRoutes: [IPv4Network]) -> IPv4Network? {
        let wanted = Self.normalized(subnet)
        guard !networks.values.contains(where: { $0.subnet == wanted }) else { return nil }
        return foreignRoutes(hostRoutes).first { $0.overlaps(wanted) }
    }

    /// `hostRoutes` less the routes of this node's own bridges (the kernel adds one per subnet).
    private func foreignRoutes(_ hostRoutes: [IPv4Network]) -> [IPv4Network] {
        let ours = Set(networks.values.map(\.subnet))
        return hostRoutes.filter { !ours.contains(Self.normalized($0)) }
    }

    /// The address of `instance` on `network`, allocating it when new: `requested` (the
    /// service's `ipv4_address`) or the lowest free one after the gateway.
    public mutating func address(of instance: String, on name: String, requested: IPv4Address? = nil) throws(AICoreError) -> IPv4Address {
        guard var network = networks[name] else {
            throw AICoreError(.notFound, "no network \(name) on this node")
        }
        if let existing = network.addresses[instance], requested == nil || requested == existing { return existing }
        let taken = Dictionary(network.addresses.filter { $0.key != instance }.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        // Neither the network's own address nor its broadcast address is a host's, nor the gateway.
        let first = network.subnet.first.value + 1
        let last = network.subnet.last.value - 1
        let gateway = network.gateway
        let address: IPv4Address
        if let requested {
            guard network.subnet.contains(requested), requested.value >= first, requested.value <= last, requested != gateway else {
                throw AICoreError(.invalidSpec, "\(instance): \(requested) is not a host address of network \(name) (\(network.subnet), gateway \(network.gateway))")
            }
            if let holder = taken[requested] {
                throw AICoreError(.conflict, "\(instance): \(requested) on network \(name) is already \(holder)'s")
            }
            address = requested
        } else {
            let pool = network.range.map { max($0.first.value, first)...min($0.last.value, last) } ?? first...last
            guard let free = pool.lazy.map(IPv4Address.init).first(where: { taken[$0] == nil && $0 != gateway }) else {
                throw AICoreError(.exhausted, "network \(name) (\(network.subnet)) has no free address left for \(instance)")
            }
            address = free
        }
        network.addresses[instance] = address
        networks[name] = network
        return address
    }

    /// Marks `network` internal (or not), as its stack file says.
    public mutating func setInternal(_ name: String, _ isInternal: Bool) {
        networks[name]?.isInternal = isInternal
    }

    /// Gives `instance`'s addresses on `network` back.
    public mutating func release(_ instance: String, on name: String) {
        networks[name]?.addresses[instance] = nil
        networks[name]?.addresses6?[instance] = nil
    }

    /// Forgets a network and every address on it.
    public mutating func removeNetwork(_ name: String) {
        networks[name] = nil
    }

    /// `aic-` and 8 hex digits of a hash of the network's name: at most 15 bytes, as Linux
    /// wants, the same on every start, and recognisably ours in `ip link`.
    public static func bridgeName(for network: String) -> String {
        var hash: UInt32 = 2_166_136_261  // FNV-1a
        for byte in network.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return "aic-" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// A locally administered MAC made of the gateway's address: pinned, so the bridge does not
    /// take its lowest port's as instances come and go (neighbours' ARP caches would go stale).
    public static func bridgeMAC(gateway: IPv4Address) -> [UInt8] {
        [0x02, 0xac] + gateway.octets
    }

    static func normalized(_ network: IPv4Network) -> IPv4Network {
        IPv4Network(address: network.first, prefix: network.prefix)
    }
}
