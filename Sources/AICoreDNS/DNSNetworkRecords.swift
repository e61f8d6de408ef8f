import AICoreAddresses

/// The names one network answers for: each name's addresses (a service's VIP, every ready
/// replica of a `dnsrr` service, an instance's own address) and, for reverse lookups, the name
/// each address is called by. Names are kept lowercased, without a trailing dot.
public struct DNSNetworkRecords: Hashable, Sendable {
    public private(set) var addresses: [String: [IPv4Address]] = [:]
    public private(set) var pointers: [IPv4Address: String] = [:]
    /// The IPv6 addresses of names on an `enable_ipv6` network (AAAA answers; a name without
    /// any, such as a VIP service's, has an empty AAAA answer), and their names.
    public private(set) var addresses6: [String: [IPv6Address]] = [:]
    public private(set) var pointers6: [IPv6Address: String] = [:]

    public init() {}

    /// `name` resolves to `addresses` (in this order, rotated per answer). An empty list keeps
    /// the name ours with no address (a `dnsrr` service with no ready replica): its queries get
    /// an empty answer rather than going upstream.
    public mutating func set(_ name: String, to addresses: [IPv4Address]) {
        self.addresses[Self.key(name)] = addresses
    }

    /// `name`'s IPv6 addresses: it must also be `set` (IPv4) to be ours.
    public mutating func set6(_ name: String, to addresses: [IPv6Address]) {
        addresses6[Self.key(name)] = addresses
    }

    public mutating func remove(_ name: String) {
        addresses[Self.key(name)] = nil
        addresses6[Self.key(name)] = nil
    }

    /// A PTR query for `address` answers `name` (an instance's name for its own address).
    public mutating func setPointer(_ address: IPv4Address, to name: String?) {
        pointers[address] = name.map(Self.key)
    }

    /// A PTR query under ip6.arpa for `address` answers `name`.
    public mutating func setPointer(_ address: IPv6Address, to name: String?) {
        pointers6[address] = name.map(Self.key)
    }

    static func key(_ name: String) -> String {
        DNSName(name)?.key ?? name.lowercased()
    }
}

/// Every network's records, replaced whole or changed by the agent; what a query is answered from.
public struct DNSRecordSet: Hashable, Sendable {
    public var networks: [String: DNSNetworkRecords]
    /// Domains a name may carry after it and still be ours (`postgres.<domain>`), as a client
    /// with a `search` line asks when its first try failed.
    public var searchDomains: [String]

    public init(networks: [String: DNSNetworkRecords] = [:], searchDomains: [String] = []) {
        self.networks = networks
        self.searchDomains = searchDomains
    }

    /// The addresses of `name` on `networks` (in the order given, duplicates once), or nil when
    /// no network of these has it: the name is not ours.
    public func addresses(of name: DNSName, on networks: [String]) -> [IPv4Address]? {
        for key in candidateKeys(name) {
            var found: [IPv4Address]?
            for network in networks {
                guard let addresses = self.networks[network]?.addresses[key] else { continue }
                var merged = found ?? []
                for address in addresses where !merged.contains(address) { merged.append(address) }
                found = merged
            }
            if let found { return found }
        }
        return nil
    }

    /// The IPv6 addresses of `name` on `networks` (as `addresses(of:on:)`); empty for a name
    /// that is ours with none, nil for one that is not ours.
    public func addresses6(of name: DNSName, on networks: [String]) -> [IPv6Address]? {
        for key in candidateKeys(name) {
            guard networks.contains(where: { self.networks[$0]?.addresses[key] != nil }) else { continue }
            var merged: [IPv6Address] = []
            for network in networks {
                for address in self.networks[network]?.addresses6[key] ?? [] where !merged.contains(address) { merged.append(address) }
            }
            return merged
        }
        return nil
    }

    /// The name of an IPv6 `address` on `networks`, as `name(of:on:)` for IPv4.
    public func name(of address: IPv6Address, on networks: [String]) -> String? {
        for network in networks {
            if let name = self.networks[network]?.pointers6[address] { return name }
        }
        return networks.compactMap { network in
            self.networks[network]?.addresses6.filter { $0.value.contains(address) }.keys.min()
        }.min()
    }

    /// The name of `address` on `networks`: its pointer if the agent set one, else the first of
    /// the names that resolve to it (sorted, so the answer is stable).
    public func name(of address: IPv4Address, on networks: [String]) -> String? {
        for network in networks {
            if let name = self.networks[network]?.pointers[address] { return name }
        }
        return networks.compactMap { network in
            self.networks[network]?.addresses.filter { $0.value.contains(address) }.keys.min()
        }.min()
    }

    private func candidateKeys(_ name: DNSName) -> [String] {
        let key = name.key
        var keys = [key]
        for domain in searchDomains {
            let suffix = "." + DNSNetworkRecords.key(domain)
            if key.hasSuffix(suffix), key.count > suffix.count { keys.append(String(key.dropLast(suffix.count))) }
        }
        return keys
    }
}
