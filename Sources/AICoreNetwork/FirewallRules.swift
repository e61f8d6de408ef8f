/// The text of the nft transaction that makes the agent's table (`table inet aicore`) say
/// exactly what `networks` need. Pure: the same networks in any order give the same text.
///
/// The table matches only traffic of our bridges (by interface name), so a host's other
/// forwarding (a VPN, libvirt, Docker) goes through it untouched:
/// - forward: replies of our connections pass; a source address outside the bridge's subnet is
///   dropped (spoofed); within one bridge passes; between two of our bridges is dropped
///   (networks, and so stacks, are isolated); out of a non-internal bridge passes (egress), out
///   of an internal one is dropped; into a bridge from anywhere else (another interface, the
///   outside) is dropped, so a subnet is reachable only from its bridge.
/// - postrouting: a non-internal subnet is masqueraded when it leaves through another interface.
///
/// The table is `inet`, so the interface rules hold for IPv6 as for IPv4; an `enable_ipv6`
/// network adds its `ip6` source check and masquerade beside its `ip` ones.
/// - input: from a bridge, the host answers only on that network's service addresses (the
///   proxy's VIPs), ICMP echo and IPv6 neighbour discovery; the gateway address, the host's
///   other addresses and other networks' VIPs are dropped, so a workload cannot reach sshd,
///   the agent's API or a host database through them.
public enum FirewallRules {
    public static let family = "inet"
    public static let table = "aicore"

    /// One transaction that replaces our table whole (`add` first, so `delete` never fails on a
    /// host without it); with no networks, it only removes it.
    public static func transaction(for networks: [FirewallNetwork]) -> String {
        var text = "add table \(family) \(table)\ndelete table \(family) \(table)\n"
        if !networks.isEmpty { text += ruleset(for: networks) }
        return text
    }

    /// The table itself, as `nft` would read it from a file.
    public static func ruleset(for networks: [FirewallNetwork]) -> String {
        let networks = networks.sorted { ($0.bridge, $0.name) < ($1.bridge, $1.name) }
        let bridges = networks.map(\.bridge)
        let egress = networks.filter { !$0.internal }
        var lines: [String] = []
        lines.append("table \(family) \(table) {")
        lines.append("\tset bridges {")
        lines.append("\t\ttype ifname")
        lines.append("\t\telements = { \(quotedList(bridges)) }")
        lines.append("\t}")
        lines.append("\tset egress {")
        lines.append("\t\ttype ifname")
        if !egress.isEmpty { lines.append("\t\telements = { \(quotedList(egress.map(\.bridge))) }") }
        lines.append("\t}")

        lines.append("\tchain forward {")
        lines.append("\t\ttype filter hook forward priority filter; policy accept;")
        lines.append("\t\tiifname @bridges ct state established,related accept")
        lines.append("\t\toifname @bridges ct state established,related accept")
        lines += spoofingDrops(networks)
        for network in networks {
            lines.append("\t\tiifname \(quoted(network.bridge)) oifname \(quoted(network.bridge)) accept comment \(quoted(network.name))")
        }
        lines.append("\t\tiifname @bridges oifname @bridges drop comment \"between networks\"")
        lines.append("\t\tiifname @egress accept comment \"egress\"")
        lines.append("\t\tiifname @bridges drop comment \"internal: no egress\"")
        lines.append("\t\toifname @bridges drop comment \"into a subnet from outside its bridge\"")
        lines.append("\t}")

        lines.append("\tchain input {")
        lines.append("\t\ttype filter hook input priority filter; policy accept;")
        lines.append("\t\tiifname @bridges ct state established,related accept")
        lines += spoofingDrops(networks)
        for network in networks where !network.serviceAddresses.isEmpty {
            let addresses = network.serviceAddresses.sorted().map(\.description).joined(separator: ", ")
            lines.append("\t\tiifname \(quoted(network.bridge)) ip daddr { \(addresses) } accept comment \(quoted(network.name))")
        }
        lines.append("\t\tiifname @bridges icmp type echo-request accept")
        lines.append("\t\tiifname @bridges icmpv6 type echo-request accept")
        lines.append("\t\tiifname @bridges icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept")
        lines.append("\t\tiifname @bridges drop comment \"the host's own services\"")
        lines.append("\t}")

        lines.append("\tchain postrouting {")
        lines.append("\t\ttype nat hook postrouting priority srcnat; policy accept;")
        for network in egress {
            lines.append("\t\tip saddr \(network.subnet) oifname != \(quoted(network.bridge)) masquerade comment \(quoted(network.name))")
            // ULA is not routed on the internet: as Docker 27, IPv6 egress is NATed too.
            if let subnet6 = network.subnet6 {
                lines.append("\t\tip6 saddr \(subnet6.normalized) oifname != \(quoted(network.bridge)) masquerade comment \(quoted(network.name))")
            }
        }
        lines.append("\t}")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A workload with CAP_NET_ADMIN in its namespace can give itself any source address: one
    /// from another network's subnet would be masqueraded as that network's, and an arbitrary one
    /// would leave the host as it is. Only the bridge's own subnet passes.
    /// IPv6 also passes link-local sources and the unspecified one, which neighbour discovery
    /// uses; a network without IPv6 has no IPv6 source to check (its bridge has IPv6 off).
    private static func spoofingDrops(_ networks: [FirewallNetwork]) -> [String] {
        networks.flatMap { network in
            var lines = ["\t\tiifname \(quoted(network.bridge)) ip saddr != \(network.subnet) drop comment \"spoofed source\""]
            if let subnet6 = network.subnet6 {
                lines.append("\t\tiifname \(quoted(network.bridge)) ip6 saddr != { \(subnet6.normalized), fe80::/10, ::/128 } drop comment \"spoofed source\"")
            }
            return lines
        }
    }

    private static func quotedList(_ names: [String]) -> String {
        names.map(quoted).joined(separator: ", ")
    }

    /// Interface and network names are ours (`aic-` + hex; Compose names are `[a-z0-9_-]`), but a
    /// quote in one must not end the string.
    private static func quoted(_ text: String) -> String {
        "\"" + text.filter { $0 != "\"" && $0 != "\\" && $0 != "\n" } + "\""
    }
}
