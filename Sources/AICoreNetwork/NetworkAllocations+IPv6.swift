import AICoreAddresses
import AICoreErrors

/// What a stack file asks of a network's IPv6 (`enable_ipv6: true`, and the IPv6 entry of its
/// `ipam.config` if any).
public struct IPv6Request: Sendable, Hashable {
    /// nil: a /64 of the node's pools (its ULA prefix by default).
    public var subnet: IPv6Network?
    public var gateway: IPv6Address?
    public var range: IPv6Network?

    public init(subnet: IPv6Network? = nil, gateway: IPv6Address? = nil, range: IPv6Network? = nil) {
        self.subnet = subnet
        self.gateway = gateway
        self.range = range
    }
}

extension NetworkAllocations {
    /// The /64 every IPv6 subnet the node picks itself is: SLAAC, and a peer's own
    /// assumptions, want a /64; there are 65536 of them in a ULA /48.
    public static let ipv6SubnetPrefix = 64

    /// The node's ULA /48 (RFC 4193: `fd` and a random 40-bit global ID), made on first use and
    /// kept with the allocations, so every IPv6 network's subnet is stable across restarts.
    public mutating func nodeULAPrefix<G: RandomNumberGenerator>(using generator: inout G) -> IPv6Network {
        if let ulaPrefix { return ulaPrefix }
        let globalID = generator.next() & 0xff_ffff_ffff
        let prefix = IPv6Network(address: IPv6Address(high: (0xfd << 56) | (globalID << 16), low: 0), prefix: 48)
        ulaPrefix = prefix
        return prefix
    }

    public mutating func nodeULAPrefix() -> IPv6Network {
        var generator = SystemRandomNumberGenerator()
        return nodeULAPrefix(using: &generator)
    }

    /// Gives the existing network `name` its IPv6 subnet, when it has none yet: the requested
    /// one, or the first /64 of `pools` (nil: the node's ULA prefix) that no other network has.
    /// Asking again gives the same subnet; asking for another is a conflict, as for IPv4. A new
    /// subnet overlaps none of `hostRoutes` (the node's IPv6 routes, `Netlink.ipv6Routes`): a
    /// requested one that does is a conflict, and the pools' skip them.
    @discardableResult
    public mutating func enableIPv6(on name: String, _ request: IPv6Request, pools: [IPv6Network]? = nil,
                                    hostRoutes: [IPv6Network] = []) throws(AICoreError) -> Network {
        guard var network = networks[name] else {
            throw AICoreError(.notFound, "no network \(name) on this node")
        }
        if let existing = network.subnet6 {
            if let wanted = request.subnet, wanted.normalized != existing {
                throw AICoreError(.conflict, "network \(name) has the IPv6 subnet \(existing), not \(wanted); remove the network (down) to change its subnet")
            }
            if let gateway = request.gateway, gateway != network.gateway6 {
                throw AICoreError(.conflict, "network \(name) has the IPv6 gateway \(network.gateway6.map(\.description) ?? "none"), not \(gateway); remove the network (down) to change it")
            }
            return network
        }
        let others = networks.filter { $0.key != name }.compactMap { key, value in value.subnet6.map { (key, $0) } }
        let subnet: IPv6Network
        if let wanted = request.subnet?.normalized {
            guard wanted.prefix <= 126 else {
                throw AICoreError(.invalidSpec, "network \(name): the IPv6 subnet \(wanted) is too small; give a /126 or larger (a /64 is usual)")
            }
            if let (other, taken) = others.first(where: { $0.1.overlaps(wanted) }) {
                throw AICoreError(.conflict, "network \(name): the IPv6 subnet \(wanted) overlaps \(taken) of network \(other)")
            }
            if let route = hostRoute6(overlapping: wanted, among: hostRoutes) {
                throw AICoreError(.conflict, "network \(name): the IPv6 subnet \(wanted) overlaps the host's route to \(route); choose another subnet")
            }
            if let gateway = request.gateway {
                guard wanted.contains(gateway), gateway != wanted.first else {
                    throw AICoreError(.invalidSpec, "network \(name): the IPv6 gateway \(gateway) is not a host address of \(wanted)")
                }
                network.chosenGateway6 = gateway
            }
            if let range = request.range {
                guard wanted.contains(range.first), range.prefix >= wanted.prefix else {
                    throw AICoreError(.invalidSpec, "network \(name): the IPv6 ip_range \(range) is not inside \(wanted)")
                }
                network.range6 = range.normalized
            }
            subnet = wanted
        } else {
            let bases = pools ?? [nodeULAPrefix()]
            guard let free = Self.nextSubnet6(from: bases, avoiding: others.map(\.1) + foreignRoutes6(hostRoutes)) else {
                throw AICoreError(.exhausted, "network \(name): every IPv6 /64 of \(bases.map(\.description).joined(separator: ", ")) is taken; remove unused networks or add a pool to networks.pools6")
            }
            subnet = free
        }
        network.subnet6 = subnet
        network.addresses6 = network.addresses6 ?? [:]
        networks[name] = network
        return network
    }

    /// The first of `hostRoutes` that the IPv6 `subnet` overlaps, leaving out the routes of this
    /// node's own bridges; nil for the subnet of a network this node has already.
    public func hostRoute6(overlapping subnet: IPv6Network, among hostRoutes: [IPv6Network]) -> IPv6Network? {
        let wanted = subnet.normalized
        guard !networks.values.contains(where: { $0.subnet6 == wanted }) else { return nil }
        return foreignRoutes6(hostRoutes).first { $0.overlaps(wanted) }
    }

    /// `hostRoutes` less the routes of this node's own bridges (the kernel adds one per subnet).
    private func foreignRoutes6(_ hostRoutes: [IPv6Network]) -> [IPv6Network] {
        let ours = Set(networks.values.compactMap(\.subnet6))
        return hostRoutes.filter { !ours.contains($0.normalized) }
    }

    /// The first /64 of `bases`, in order, that overlaps nothing in `taken`.
    static func nextSubnet6(from bases: [IPv6Network], avoiding taken: [IPv6Network]) -> IPv6Network? {
        for base in bases where base.prefix <= ipv6SubnetPrefix {
            let count = UInt64(1) << UInt64(min(ipv6SubnetPrefix - base.prefix, 32))
            for n in 0..<count {
                let candidate = IPv6Network(address: IPv6Address(high: base.first.high + n, low: 0), prefix: ipv6SubnetPrefix)
                if !taken.contains(where: { $0.overlaps(candidate) }) { return candidate }
            }
        }
        return nil
    }

    /// The IPv6 address of `instance` on the IPv6 network `name`, allocating it when new:
    /// `requested` (the service's `ipv6_address`) or the lowest free one after the gateway
    /// (within the `ip_range` if any), as for IPv4.
    public mutating func address6(of instance: String, on name: String, requested: IPv6Address? = nil) throws(AICoreError) -> IPv6Address {
        guard var network = networks[name] else {
            throw AICoreError(.notFound, "no network \(name) on this node")
        }
        guard let subnet = network.subnet6, let gateway = network.gateway6 else {
            throw AICoreError(.invalidSpec, "\(instance): network \(name) has no IPv6; set `enable_ipv6: true` on it")
        }
        var addresses = network.addresses6 ?? [:]
        if let existing = addresses[instance], requested == nil || requested == existing { return existing }
        let taken = Dictionary(addresses.filter { $0.key != instance }.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let address: IPv6Address
        if let requested {
            // The subnet's first address is its routers' anycast address (RFC 4291).
            guard subnet.contains(requested), requested != subnet.first, requested != gateway else {
                throw AICoreError(.invalidSpec, "\(instance): \(requested) is not a host address of network \(name) (\(subnet), gateway \(gateway))")
            }
            if let holder = taken[requested] {
                throw AICoreError(.conflict, "\(instance): \(requested) on network \(name) is already \(holder)'s")
            }
            address = requested
        } else {
            let pool = network.range6 ?? subnet
            // Only as many candidates as there are holders, plus the gateway and the first.
            let found = (0...UInt64(taken.count + 2)).lazy.compactMap { pool.address(at: $0) }
                .first { $0 != subnet.first && $0 != gateway && taken[$0] == nil && subnet.contains($0) }
            guard let found else {
                throw AICoreError(.exhausted, "network \(name) (\(subnet)) has no free IPv6 address left for \(instance)")
            }
            address = found
        }
        addresses[instance] = address
        network.addresses6 = addresses
        networks[name] = network
        return address
    }
}
