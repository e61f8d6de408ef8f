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
    /// open `/proc/…/ns/net` descriptor; nil: here too).
    public static func addVeth(_ name: String, peer: String, peerNamespace: Int32?, mtu: Int?) throws(AICoreError) {
        try check(aic_nl_veth_add(name, peer, peerNamespace ?? -1, UInt32(mtu ?? 0)), "cannot create the veth pair \(name)/\(peer)")
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

    /// The link's index, or nil when it does not exist.
    public static func linkIndex(_ name: String) throws(AICoreError) -> Int32? {
        let rc = aic_nl_link_index(name)
        if rc == -ENODEV { return nil }
        try check(rc, "cannot look up link \(name)")
        return rc
    }

    public static func addAddress(_ address: IPv4Address, prefix: Int, to link: String) throws(AICoreError) {
        let index = try index(of: link)
        try check(address.octets.withUnsafeBufferPointer { aic_nl_addr_add(index, AF_INET, $0.baseAddress, Int32(prefix)) },
                  "cannot add \(address)/\(prefix) to \(link)")
    }

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
