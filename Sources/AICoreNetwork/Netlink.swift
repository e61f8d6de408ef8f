import AICoreAddresses
import AICoreErrors
import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink requests (the C shim's, raw NETLINK_ROUTE: no `ip` is run), in the network
/// namespace of the calling thread. A caller that must act in an instance's namespace runs them
/// through `NetworkNamespace.run`, on a thread of its own.
public enum Netlink {
    /// Makes a bridge. Its MAC is pinned: a bridge without one takes the lowest of its ports'
    /// MACs, which changes as instances come and go and leaves neighbours' ARP caches stale.
    public static func addBridge(_ name: String, mac: [UInt8], mtu: Int?) throws(AICoreError) {
        precondition(mac.count == 6, "a MAC has six bytes")
        try check(mac.withUnsafeBufferPointer { aic_nl_bridge_add(name, $0.baseAddress, UInt32(mtu ?? 0)) },
                  "cannot create the bridge \(name)")
    }

    /// Makes a veth pair: `name` here, `peer` straight in the namespace `peerNamespace` (an
    /// open `/proc/…/ns/net` descriptor; nil: here too), with the MAC `peerMAC` (nil: the
    /// kernel's random one).
    public static func addVeth(_ name: String, peer: String, peerNamespace: Int32?, mtu: Int?, peerMAC: [UInt8]? = nil) throws(AICoreError) {
        precondition(peerMAC.map { $0.count == 6 } ?? true, "a MAC has six bytes")
        let rc = if let peerMAC {
            peerMAC.withUnsafeBufferPointer { aic_nl_veth_add(name, peer, peerNamespace ?? -1, UInt32(mtu ?? 0), $0.baseAddress) }
        } else {
            aic_nl_veth_add(name, peer, peerNamespace ?? -1, UInt32(mtu ?? 0), nil)
        }
        try check(rc, "cannot create the veth pair \(name)/\(peer)")
    }

    /// Brings a link up (or down), and attaches it to a bridge when `master` is given.
    public static func setLink(_ name: String, up: Bool? = nil, master: String? = nil) throws(AICoreError) {
        let masterIndex = try master.map { bridge throws(AICoreError) in try index(of: bridge) } ?? -1
        try check(aic_nl_link_set(name, up.map { $0 ? 1 : 0 } ?? -1, masterIndex), "cannot set link \(name)")
    }

    /// Deletes a link (a veth takes its peer with it); false when there was none.
    @discardableResult
    public static func deleteLink(_ name: String) throws(AICoreError) -> Bool {
        let rc = aic_nl_link_del(name)
        if rc == -ENODEV { return false }
        try check(rc, "cannot delete link \(name)")
        return true
    }

    /// The link's MAC address.
    public static func linkMAC(_ name: String) throws(AICoreError) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 6)
        try check(aic_nl_link_mac(name, &mac), "cannot read the MAC of link \(name)")
        return mac
    }

    /// The IPv6 addresses of the calling thread's namespace, with their link and kernel flags
    /// (IFA_F_*: `tentative` while duplicate detection runs), as /proc's `if_inet6` lists them.
    public static func ipv6Addresses() throws(AICoreError) -> [(address: IPv6Address, prefix: Int, link: String, flags: UInt32)] {
        let path = "/proc/thread-self/net/if_inet6"
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readIfExists(path, followSymlinks: true) ?? []
        } catch {
            throw AICoreError(.systemCall, "cannot read \(path): \(error)", cause: error)
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            // `fd12000000000000000000000000000a 02 40 00 80 eth0`: address, index, prefix, scope, flags, name.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 6, fields[0].count == 32, let prefix = Int(fields[2], radix: 16), let flags = UInt32(fields[4], radix: 16) else { return nil }
            let hex = Array(fields[0])
            let octets = stride(from: 0, to: 32, by: 2).compactMap { UInt8(String(hex[$0...$0 + 1]), radix: 16) }
            guard let address = IPv6Address(bytes: octets) else { return nil }
            return (address, prefix, String(fields[5]), flags)
        }
    }

    /// IFA_F_TENTATIVE: duplicate detection has not finished, the address cannot be bound yet.
    public static let ifaFlagTentative: UInt32 = 0x40

    /// The link's index, or nil when it does not exist.
    public static func linkIndex(_ name: String) throws(AICoreError) -> Int32? {
        let rc = aic_nl_link_index(name)
        if rc == -ENODEV { return nil }
        try check(rc, "cannot look up link \(name)")
        return rc
    }

    public static func addAddress(_ address: IPv4Address, prefix: Int, to link: String) throws(AICoreError) {
        let index = try index(of: link)
        try check(address.octets.withUnsafeBufferPointer { aic_nl_addr_add(index, AF_INET, $0.baseAddress, Int32(prefix), 0) },
                  "cannot add \(address)/\(prefix) to \(link)")
    }

    /// An IPv6 address, flagged IFA_F_NODAD: usable at once rather than `tentative` for the
    /// second of duplicate address detection (a workload that starts and binds at once would get
    /// EADDRNOTAVAIL). The node hands out each address once, so there is no duplicate to detect.
    public static func addAddress(_ address: IPv6Address, prefix: Int, to link: String) throws(AICoreError) {
        let index = try index(of: link)
        try check(address.bytes.withUnsafeBufferPointer { aic_nl_addr_add(index, AF_INET6, $0.baseAddress, Int32(prefix), ifaFlagNoDAD) },
                  "cannot add \(address)/\(prefix) to \(link)")
    }

    /// IFA_F_NODAD, from linux/if_addr.h (not exported to Swift).
    static let ifaFlagNoDAD: UInt32 = 0x02

    /// Removes `address` from `link`; true when it was there (a missing link or address is fine).
    @discardableResult
    public static func removeAddress(_ address: IPv4Address, prefix: Int, from link: String) throws(AICoreError) -> Bool {
        guard let index = try linkIndex(link) else { return false }
        let rc = address.octets.withUnsafeBufferPointer { aic_nl_addr_del(index, AF_INET, $0.baseAddress, Int32(prefix)) }
        if rc == -EADDRNOTAVAIL { return false }
        try check(rc, "cannot remove \(address)/\(prefix) from \(link)")
        return true
    }

    /// The default route via `gateway`, out of `link`.
    public static func addDefaultRoute(via gateway: IPv4Address, link: String) throws(AICoreError) {
        let index = try index(of: link)
        try check(gateway.octets.withUnsafeBufferPointer { aic_nl_route_add(AF_INET, nil, 0, $0.baseAddress, index) },
                  "cannot add the default route via \(gateway) on \(link)")
    }

    /// The IPv6 default route via `gateway`, out of `link`.
    public static func addDefaultRoute(via gateway: IPv6Address, link: String) throws(AICoreError) {
        let index = try index(of: link)
        try check(gateway.bytes.withUnsafeBufferPointer { aic_nl_route_add(AF_INET6, nil, 0, $0.baseAddress, index) },
                  "cannot add the IPv6 default route via \(gateway) on \(link)")
    }

    /// The destinations of the main table's IPv4 routes, the default route left out: what a
    /// new network's subnet must not overlap.
    public static func ipv4Routes() throws(AICoreError) -> [IPv4Network] {
        var capacity = 256
        while true {
            var destinations = [UInt32](repeating: 0, count: capacity)
            var prefixes = [UInt8](repeating: 0, count: capacity)
            let count = aic_nl_ipv4_routes(&destinations, &prefixes, Int32(capacity))
            try check(count, "cannot list the routes")
            guard Int(count) > capacity else {
                return (0..<Int(count)).map { IPv4Network(address: IPv4Address(UInt32(bigEndian: destinations[$0])), prefix: Int(prefixes[$0])) }
            }
            capacity = Int(count) + 64
        }
    }

    /// The destinations of the main table's IPv6 routes, the default route left out: what a
    /// new network's IPv6 subnet must not overlap (a VPN's ULA range, a routed /64). The
    /// link-local routes (fe80::/64 on every link) are listed too; no subnet of ours is in fe80::/10.
    public static func ipv6Routes() throws(AICoreError) -> [IPv6Network] {
        var capacity = 256
        while true {
            var destinations = [UInt8](repeating: 0, count: 16 * capacity)
            var prefixes = [UInt8](repeating: 0, count: capacity)
            let count = aic_nl_ipv6_routes(&destinations, &prefixes, Int32(capacity))
            try check(count, "cannot list the IPv6 routes")
            guard Int(count) > capacity else {
                return (0..<Int(count)).compactMap { index in
                    IPv6Address(bytes: Array(destinations[16 * index ..< 16 * index + 16]))
                        .map { IPv6Network(address: $0, prefix: Int(prefixes[index])) }
                }
            }
            capacity = Int(count) + 64
        }
    }

    /// The MTU of the link the IPv4 default route leaves by, or nil without a default route:
    /// a bridge's MTU must not exceed it (Docker's fixed 1500 black-holes traffic over a
    /// WireGuard uplink, moby#13475).
    public static func defaultRouteMTU() throws(AICoreError) -> Int? {
        let rc = aic_nl_default_route_mtu(AF_INET)
        if rc == -ENOENT { return nil }
        try check(rc, "cannot read the default route")
        return Int(rc)
    }

    private static func index(of link: String) throws(AICoreError) -> Int32 {
        guard let index = try linkIndex(link) else {
            throw AICoreError(.systemCall, "no network link \(link)")
        }
        return index
    }

    private static func check(_ rc: Int32, _ what: @autoclosure () -> String) throws(AICoreError) {
        guard rc < 0 else { return }
        throw AICoreError(.systemCall, "\(what()): \(String(cString: strerror(-rc)))", context: ["errno": "\(-rc)"])
    }
}
