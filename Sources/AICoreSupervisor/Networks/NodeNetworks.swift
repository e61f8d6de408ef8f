import AICoreAddresses
import AICoreErrors
import AICoreNetwork
import AICoreRuntime
import AICoreSystem

/// A bridge network a stack needs on this node, as the controller asks for it.
public struct NetworkRequest: Sendable, Hashable {
    /// The node-wide name (`shop_default`, or the stack file's `name:`).
    public var name: String
    /// The stack asking: its services' VIPs are its own on a network stacks share.
    public var stack: String
    /// The stack file's `ipam.config` subnet; nil: the first free one of the pools.
    public var subnet: IPv4Network?
    /// Its `gateway` and `ip_range`, with the subnet.
    public var gateway: IPv4Address?
    public var range: IPv4Network?
    /// No way out (no default route through it, no masquerade).
    public var `internal`: Bool
    /// Made by another stack (`external: true`): it must exist already.
    public var external: Bool
    /// `enable_ipv6: true`, with the file's IPv6 `ipam.config` entry if any; nil: IPv4 only.
    public var ipv6: IPv6Request?
    /// The stack's services that get a VIP on it: every one attached to it.
    public var services: [String]

    public init(name: String, stack: String = "", subnet: IPv4Network? = nil, internal: Bool = false, external: Bool = false,
                services: [String] = [], ipv6: IPv6Request? = nil) {
        self.ipv6 = ipv6
        self.name = name
        self.stack = stack
        self.subnet = subnet
        self.internal = `internal`
        self.external = external
        self.services = services
    }
}

/// A network as this node made it.
public struct NetworkLease: Sendable, Hashable {
    public var name: String
    public var bridge: String
    public var subnet: IPv4Network
    public var gateway: IPv4Address
    /// The IPv6 subnet and the bridge's IPv6 address (`enable_ipv6`); nil: IPv4 only.
    public var subnet6: IPv6Network?
    public var gateway6: IPv6Address?
    public var `internal`: Bool
    /// `<stack>/<service>` → its VIP on this network (an address of the bridge, where the
    /// proxy listens), for every stack on it.
    public var vips: [String: IPv4Address]

    public init(name: String, bridge: String, subnet: IPv4Network, gateway: IPv4Address,
                subnet6: IPv6Network? = nil, gateway6: IPv6Address? = nil, internal: Bool = false,
                vips: [String: IPv4Address] = [:]) {
        self.name = name
        self.bridge = bridge
        self.subnet = subnet
        self.gateway = gateway
        self.subnet6 = subnet6
        self.gateway6 = gateway6
        self.internal = `internal`
        self.vips = vips
    }

    /// The VIPs of `stack`'s services, by service.
    public func vips(of stack: String) -> [String: IPv4Address] {
        var result: [String: IPv4Address] = [:]
        for (key, address) in vips where key.hasPrefix(stack + "/") { result[String(key.dropFirst(stack.count + 1))] = address }
        return result
    }
}

/// One network an instance joins, in the order it joins them.
public struct NetworkJoin: Sendable, Hashable {
    public var network: String
    /// The service's `ipv4_address`; nil: the lowest free one.
    public var address: IPv4Address?
    /// The service's `interface_name`; nil: `eth<N>` by position.
    public var interface: String?
    /// The service's `ipv6_address` (on an IPv6 network); nil: the lowest free one.
    public var address6: IPv6Address?
    /// The service's `mac_address` for this network (6 bytes); nil: the kernel's random one.
    public var mac: [UInt8]?

    public init(network: String, address: IPv4Address? = nil, interface: String? = nil, address6: IPv6Address? = nil, mac: [UInt8]? = nil) {
        self.address6 = address6
        self.mac = mac
        self.network = network
        self.address = address
        self.interface = interface
    }
}

/// The bridge networks of this node: their subnets, bridges and VIPs, and each instance's
/// address on them. Allocations are kept in `networks.json` and written before the kernel is
/// changed, so an agent killed part way finds what it had begun and finishes it (every kernel
/// step is idempotent); the same instance gets the same address across restarts and agent
/// restarts, until it is removed.
///
/// Netlink work runs in `namespace` (tests: one they made; the agent: nil, its own) on a thread
/// of its own; the file is written off the cooperative pool. One `SerialSection` orders every
/// change, since each awaits in the middle.
public actor NodeNetworks {
    private let file: NetworkAllocationFile
    private let pools: [AddressPool]
    /// Where IPv6 networks' /64s come from; nil: the node's ULA prefix.
    private let pools6: [IPv6Network]?
    private let namespace: Int32?
    private var allocations: NetworkAllocations
    private var mtu: Int??
    private let section = SerialSection()

    /// Reads `stateFile` (blocking: the agent's assembly calls it before anything runs).
    public init(stateFile: String, pools: [AddressPool] = AddressPool.defaults, pools6: [IPv6Network]? = nil,
                namespace: Int32? = nil) throws(AICoreError) {
        file = NetworkAllocationFile(path: stateFile)
        self.pools = pools
        self.pools6 = pools6
        self.namespace = namespace
        allocations = try file.load()
    }

    /// Makes (or finds) each network with a VIP for each of its services, and drops the VIPs of
    /// services no longer on it.
    public func ensure(_ requests: [NetworkRequest]) async throws(AICoreError) -> [String: NetworkLease] {
        try await section.run { () async throws(AICoreError) -> [String: NetworkLease] in
            let wantsIPv6 = requests.contains { $0.ipv6 != nil && !$0.external }
            let (routes, routes6, uplinkMTU) = try await inNamespace { () throws(AICoreError) -> ([IPv4Network], [IPv6Network], Int?) in
                (try Netlink.ipv4Routes(), wantsIPv6 ? try Netlink.ipv6Routes() : [], try Netlink.defaultRouteMTU())
            }
            if mtu == nil { mtu = .some(uplinkMTU) }
            var next = allocations
            var dropped: [(IPv4Address, NetworkAllocations.Network)] = []
            for request in requests {
                if request.external, next.networks[request.name] == nil {
                    throw AICoreError(.notFound, "network \(request.name) is declared external, and this node has no such network; `up` the stack that declares it first")
                }
                var network = try next.network(request.name, requested: request.subnet, gateway: request.gateway, range: request.range,
                                               pools: pools, hostRoutes: routes)
                if let ipv6 = request.ipv6, !request.external {
                    network = try next.enableIPv6(on: request.name, ipv6, pools: pools6, hostRoutes: routes6)
                }
                let own = Self.vipPrefix + request.stack + "/"
                let wanted = Set(request.services.map { Self.vipKey(stack: request.stack, service: $0) })
                for (key, address) in network.addresses where key.hasPrefix(own) && !wanted.contains(key) {
                    next.release(key, on: request.name)
                    dropped.append((address, network))
                }
                for service in request.services.sorted() {
                    _ = try next.address(of: Self.vipKey(stack: request.stack, service: service), on: request.name)
                }
            }
            for request in requests where !request.external { next.setInternal(request.name, request.internal) }
            try await save(next)
            allocations = next
            let firewall = Self.firewall(allocations)
            let networks = requests.compactMap { request in allocations.networks[request.name].map { (request, $0) } }
            let bridgeMTU = mtu ?? nil
            let forwarding = requests.contains { !$0.internal }
            let forwarding6 = networks.contains { request, network in !request.internal && network.subnet6 != nil }
            let removed = dropped
            try await inNamespace { () throws(AICoreError) in
                for (_, network) in networks {
                    try BridgeSetup.ensure(network, mtu: bridgeMTU)
                    for (key, address) in network.addresses where key.hasPrefix(Self.vipPrefix) {
                        try BridgeSetup.addServiceAddress(address, on: network)
                    }
                }
                for (address, network) in removed { try BridgeSetup.removeServiceAddress(address, on: network) }
                if forwarding { try Sysctl.enableForwarding() }
                if forwarding6 { try Sysctl.enableIPv6Forwarding() }
                try Firewall.apply(firewall)
            }
            return Dictionary(uniqueKeysWithValues: networks.map { request, network in
                (request.name, lease(request.name, network))
            })
        }
    }

    /// The networks as they stand (`inspect`, the routes of re-adopted stacks).
    public func leases(_ names: [String]) -> [String: NetworkLease] {
        var result: [String: NetworkLease] = [:]
        for name in names {
            if let network = allocations.networks[name] { result[name] = lease(name, network) }
        }
        return result
    }

    /// Each of `subnets` (a stack file's `ipam.config` subnets) that overlaps a route of this
    /// node's namespace, with the first route it overlaps, read as `ensure` reads them and
    /// changing nothing: `config validate` and `up` refuse such a network before anything of the
    /// stack is saved. The routes of this node's own bridges are theirs, not the host's.
    public func hostRouteOverlaps(_ subnets: [IPv4Network]) async throws(AICoreError) -> [IPv4Network: IPv4Network] {
        guard !subnets.isEmpty else { return [:] }
        let routes = try await inNamespace { () throws(AICoreError) -> [IPv4Network] in try Netlink.ipv4Routes() }
        var overlaps: [IPv4Network: IPv4Network] = [:]
        for subnet in subnets {
            if let route = allocations.hostRoute(overlapping: subnet, among: routes) { overlaps[subnet] = route }
        }
        return overlaps
    }

    /// The same for IPv6 subnets (`ipam.config`'s IPv6 entries), against the node's IPv6 routes.
    public func hostRouteOverlaps6(_ subnets: [IPv6Network]) async throws(AICoreError) -> [IPv6Network: IPv6Network] {
        guard !subnets.isEmpty else { return [:] }
        let routes = try await inNamespace { () throws(AICoreError) -> [IPv6Network] in try Netlink.ipv6Routes() }
        var overlaps: [IPv6Network: IPv6Network] = [:]
        for subnet in subnets {
            if let route = allocations.hostRoute6(overlapping: subnet, among: routes) { overlaps[subnet] = route }
        }
        return overlaps
    }

    /// The links that put `instance` on `joins` (allocating its addresses), and its addresses on
    /// each network (IPv6 ones on IPv6 networks). The first network that is not internal
    /// carries the default routes.
    public func attach(instance: String, _ joins: [NetworkJoin]) async throws(AICoreError)
        -> (attachments: [TaskSpec.BridgeAttachment], addresses: [String: IPv4Address], addresses6: [String: IPv6Address]) {
        try await section.run { () async throws(AICoreError) -> ([TaskSpec.BridgeAttachment], [String: IPv4Address], [String: IPv6Address]) in
            var next = allocations
            var attachments: [TaskSpec.BridgeAttachment] = []
            var addresses: [String: IPv4Address] = [:]
            var addresses6: [String: IPv6Address] = [:]
            let routed = joins.first { allocations.networks[$0.network]?.isInternal != true }?.network
            for (index, join) in joins.enumerated() {
                let address = try next.address(of: instance, on: join.network, requested: join.address)
                guard let network = next.networks[join.network] else {
                    throw AICoreError(.notFound, "no network \(join.network) on this node")
                }
                addresses[join.network] = address
                var address6: IPv6Address?
                if network.subnet6 != nil {
                    address6 = try next.address6(of: instance, on: join.network, requested: join.address6)
                    addresses6[join.network] = address6
                } else if let requested = join.address6 {
                    throw AICoreError(.invalidSpec, "\(instance): ipv6_address \(requested) on network \(join.network), which has no IPv6; set `enable_ipv6: true` on it")
                }
                attachments.append(TaskSpec.BridgeAttachment(
                    bridge: network.bridge, hostInterface: Self.vethName(instance: instance, network: join.network),
                    interface: join.interface ?? "eth\(index)", address: address, prefix: network.subnet.prefix,
                    gateway: network.gateway, mtu: mtu ?? nil, defaultRoute: join.network == routed,
                    address6: address6, prefix6: network.subnet6?.prefix ?? 64, gateway6: address6 == nil ? nil : network.gateway6,
                    mac: join.mac))
            }
            if next != allocations {
                try await save(next)
                allocations = next
            }
            return (attachments, addresses, addresses6)
        }
    }

    /// Gives back `instance`'s addresses (it was removed).
    public func release(instance: String) async throws(AICoreError) {
        try await section.run { () async throws(AICoreError) in
            var next = allocations
            for name in next.networks.keys { next.release(instance, on: name) }
            guard next != allocations else { return }
            try await save(next)
            allocations = next
        }
    }

    /// Removes the networks' bridges (their addresses and routes go with them) and forgets them.
    public func remove(_ names: [String]) async throws(AICoreError) {
        try await section.run { () async throws(AICoreError) in
            let networks = names.compactMap { allocations.networks[$0] }
            var next = allocations
            for name in names { next.removeNetwork(name) }
            // The rules first: a bridge never exists without the rules that isolate it.
            let firewall = Self.firewall(next)
            try await inNamespace { () throws(AICoreError) in
                if firewall.isEmpty { try Firewall.remove() } else { try Firewall.apply(firewall) }
                for network in networks { try BridgeSetup.remove(network) }
            }
            guard next != allocations else { return }
            try await save(next)
            allocations = next
        }
    }

    private func lease(_ name: String, _ network: NetworkAllocations.Network) -> NetworkLease {
        var vips: [String: IPv4Address] = [:]
        for (key, address) in network.addresses where key.hasPrefix(Self.vipPrefix) {
            vips[String(key.dropFirst(Self.vipPrefix.count))] = address
        }
        return NetworkLease(name: name, bridge: network.bridge, subnet: network.subnet, gateway: network.gateway,
                            subnet6: network.subnet6, gateway6: network.gateway6, internal: network.isInternal == true, vips: vips)
    }

    /// Every network's rules (`table inet aicore`): isolation between networks, masquerade for
    /// those with a way out, and what an instance may reach of the host (its network's VIPs).
    static func firewall(_ allocations: NetworkAllocations) -> [FirewallNetwork] {
        allocations.networks.sorted { $0.key < $1.key }.map { name, network in
            FirewallNetwork(name: name, bridge: network.bridge, subnet: network.subnet, subnet6: network.subnet6, internal: network.isInternal == true,
                            serviceAddresses: network.addresses.filter { $0.key.hasPrefix(vipPrefix) }.map(\.value).sorted())
        }
    }

    private func save(_ allocations: NetworkAllocations) async throws(AICoreError) {
        let file = self.file
        do {
            try await BlockingWork.run { try file.save(allocations) }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cannot save the network allocations: \(error)", cause: error)
        }
    }

    private func inNamespace<T: Sendable>(_ body: @escaping @Sendable () throws(AICoreError) -> T) async throws(AICoreError) -> T {
        if let namespace { return try await NetworkNamespace.run(in: namespace, body) }
        // The agent's own namespace: any thread of BlockingWork's is in it (NetworkNamespace
        // enters others on threads of its own only).
        do {
            return try await BlockingWork.run { () throws -> T in try body() }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "\(error)", cause: error)
        }
    }

    /// VIPs are allocated like instances, under a name no instance has.
    static let vipPrefix = "service:"
    static func vipKey(stack: String, service: String) -> String { vipPrefix + stack + "/" + service }

    /// The bridge side of an instance's veth on a network: `va` and 12 hex digits of a hash of
    /// both names (15 bytes at most, as Linux wants), the same at every start of the instance.
    static func vethName(instance: String, network: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037  // FNV-1a, 64 bits
        for byte in (instance + "\u{0}" + network).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        let hex = String(hash & 0xFFFF_FFFF_FFFF, radix: 16)
        return "va" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}
