import AICoreAddresses
import AICoreErrors

/// The small nftables table (`table ip aicore_dns`) in an instance's network namespace that
/// sends what it asks 127.0.0.11:53 to the agent's resolver, which listens on 127.0.0.11 at
/// ports of its own choosing, as Docker's iptables rules do: port 53 stays free for a workload
/// that is itself a DNS server (coredns, dnsmasq, pihole).
///
/// The rule is a DNAT on the output hook: it applies to every packet the namespace sends to
/// 127.0.0.11:53 before a socket is looked up, so even a workload that binds 127.0.0.11:53
/// itself never receives its own queries. The replies need no rule: conntrack's NAT reversal
/// rewrites their source port back to 53, which a `connect`ed UDP client (glibc's) requires.
///
/// A workload without CAP_NET_ADMIN (the default) cannot change the table; one given
/// `cap_add: NET_ADMIN` can remove it, and then reaches nothing at 127.0.0.11:53 (as with Docker).
/// Every call blocks on netlink in the calling thread's network namespace: run it inside
/// `NetworkNamespace.run(in:)`.
public enum ResolverRedirect {
    public static let family = "ip"
    public static let table = "aicore_dns"
    public static let port: UInt16 = 53

    /// The table sending `address`:53 to `udpPort` and `tcpPort`, as `nft list ruleset` prints it.
    /// Priority -100 is `dstnat`, which Debian 12's libnftables (1.0.6) refuses by name here.
    public static func table(address: IPv4Address, udpPort: UInt16, tcpPort: UInt16) -> String {
        """
        table \(family) \(table) {
        \tchain output {
        \t\ttype nat hook output priority -100; policy accept;
        \t\tip daddr \(address) udp dport \(port) dnat to \(address):\(udpPort)
        \t\tip daddr \(address) tcp dport \(port) dnat to \(address):\(tcpPort)
        \t}
        }

        """
    }

    /// The transaction for a namespace without the table: `create` fails, changing nothing,
    /// where there is one already.
    public static func creation(address: IPv4Address, udpPort: UInt16, tcpPort: UInt16) -> String {
        "create table \(family) \(table)\n" + table(address: address, udpPort: udpPort, tcpPort: tcpPort)
    }

    /// The transaction that replaces the table whole (`add` first, so `delete` never fails
    /// where there is none).
    public static func replacement(address: IPv4Address, udpPort: UInt16, tcpPort: UInt16) -> String {
        "add table \(family) \(table)\ndelete table \(family) \(table)\n" + table(address: address, udpPort: udpPort, tcpPort: tcpPort)
    }

    /// Writes the table in the calling thread's namespace, replacing one there already (an
    /// agent serving an instance again after a restart), in one transaction. Fails on a kernel
    /// without nftables' NAT, leaving nothing behind.
    ///
    /// A fresh namespace, every instance start, gets `creation`: a transaction that deletes a
    /// table makes the kernel wait for an RCU grace period when it commits (11–15 ms on this
    /// 2-core host, against 0.2 ms to create the table), which would be most of the start's
    /// network setup. Only a namespace that has the table pays it.
    public static func install(address: IPv4Address, udpPort: UInt16, tcpPort: UInt16) throws(AICoreError) {
        let context = try NFTablesContext()
        do {
            _ = try context.run(creation(address: address, udpPort: udpPort, tcpPort: tcpPort),
                                what: "create the nftables table \(family) \(table)")
        } catch {
            // The table exists (or the kernel cannot NAT: then this fails too, with its reason).
            _ = try context.run(replacement(address: address, udpPort: udpPort, tcpPort: tcpPort),
                                what: "write the nftables table \(family) \(table)")
        }
    }

    /// Whether this kernel can redirect (`aicore-node doctor`): writes the table, with ports
    /// that mean nothing, in the calling thread's namespace, which must be a throwaway one.
    public static func probe() throws(AICoreError) {
        try install(address: IPv4Address(0x7F00_000B), udpPort: 1, tcpPort: 1)
    }
}
