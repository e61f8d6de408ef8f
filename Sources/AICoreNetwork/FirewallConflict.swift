/// Another table's base chain that would drop traffic our table lets through: nftables runs
/// every table's chains on a hook, and a packet any of them drops is gone, whatever ours says.
public struct FirewallConflict: Sendable, Hashable, CustomStringConvertible {
    public enum Hook: String, Sendable, Hashable {
        /// Instances' traffic between their bridge and the outside (egress, replies).
        case forward
        /// Instances' traffic to the host: the proxy's VIPs.
        case input
    }

    /// `ip`, `ip6` or `inet`.
    public var family: String
    public var table: String
    public var chain: String
    public var hook: Hook
    /// What drops: `policy drop`, or the rule (`drop`, `reject`) that drops everything.
    public var reason: String
    /// How the operator lets our bridges through, without us touching their rules.
    public var advice: String

    public var description: String {
        "table \(family) \(table) chain \(chain) (hook \(hook.rawValue)) has \(reason), which drops "
            + (hook == .forward ? "instances' traffic to and from outside their bridge" : "instances' traffic to their service addresses")
            + "; to allow it: \(advice)"
    }

    /// The fix for a chain: ufw and iptables-nft chains get iptables/ufw commands, firewalld
    /// gets its zones, anything else an nft rule.
    static func advice(family: String, table: String, chain: String, hook: Hook) -> String {
        switch (table, hook) {
        case ("filter", .forward) where family == "ip" && chain == "FORWARD":
            return "`ufw route allow in on aic-+` and `ufw route allow out on aic-+` with ufw, "
                + "or `iptables -I FORWARD -i aic-+ -j ACCEPT` and `iptables -I FORWARD -o aic-+ -j ACCEPT`"
        case ("filter", .input) where family == "ip" && chain == "INPUT":
            return "`ufw allow in on aic-+` with ufw, or `iptables -I INPUT -i aic-+ -j ACCEPT`"
        case ("firewalld", _):
            return "put each bridge (`ip -br link show type bridge`, named aic-…) in a zone that accepts it: "
                + "`firewall-cmd --permanent --zone=trusted --add-interface=aic-XXXXXXXX` and `firewall-cmd --reload`"
        case (_, .forward):
            return "`nft insert rule \(family) \(table) \(chain) iifname \"aic-*\" accept` and "
                + "`nft insert rule \(family) \(table) \(chain) oifname \"aic-*\" accept`"
        case (_, .input):
            return "`nft insert rule \(family) \(table) \(chain) iifname \"aic-*\" accept`"
        }
    }
}
