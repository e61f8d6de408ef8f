import AICoreErrors
import Foundation

/// The agent's nftables table (`table inet aicore`, see `FirewallRules`), in the calling thread's
/// network namespace. Every call blocks on netlink: run it inside `NetworkNamespace.run(in:)` or
/// on a thread of its own. No other table is ever written; other tables are only read, to say
/// when they would drop what ours lets through.
public enum Firewall {
    /// Replaces our table with the rules `networks` need, in one transaction (a failure leaves
    /// the previous table as it was); no networks removes it.
    public static func apply(_ networks: [FirewallNetwork]) throws(AICoreError) {
        let context = try NFTablesContext()
        _ = try context.run(FirewallRules.transaction(for: networks), what: "write the nftables table \(FirewallRules.family) \(FirewallRules.table)")
    }

    /// Removes our table; none there is fine.
    public static func remove() throws(AICoreError) {
        try apply([])
    }

    /// Our table as the kernel has it (nft's listing), or nil when there is none.
    public static func rules() throws(AICoreError) -> String? {
        let context = try NFTablesContext()
        let tables = try context.run("list tables", what: "list the nftables tables")
        guard tables.split(separator: "\n").contains("table \(FirewallRules.family) \(FirewallRules.table)") else { return nil }
        return try context.run("list table \(FirewallRules.family) \(FirewallRules.table)", what: "list the nftables table \(FirewallRules.table)")
    }

    /// The base chains of other tables, on the forward or input hook, that drop by policy or
    /// with a rule that matches everything: each would drop our instances' traffic whatever our
    /// table accepts. `ip6` tables count too: `enable_ipv6` networks forward IPv6.
    public static func conflicts() throws(AICoreError) -> [FirewallConflict] {
        let context = try NFTablesContext(json: true)
        let listing = try context.run("list ruleset", what: "list the nftables ruleset")
        return try conflicts(inJSON: listing)
    }

    /// `conflicts()` over a `nft -j list ruleset` document.
    static func conflicts(inJSON listing: String) throws(AICoreError) -> [FirewallConflict] {
        let objects: [[String: Any]]
        do {
            let document = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any]
            objects = document?["nftables"] as? [[String: Any]] ?? []
        } catch {
            throw AICoreError(.internalError, "cannot read libnftables' JSON listing: \(error)", cause: error)
        }
        struct Chain: Hashable { var family: String; var table: String; var name: String }
        var hooks: [Chain: FirewallConflict.Hook] = [:]
        var order: [Chain] = []
        var found: [Chain: String] = [:]
        for object in objects {
            if let chain = object["chain"] as? [String: Any],
               let family = chain["family"] as? String, ["ip", "ip6", "inet"].contains(family),
               let table = chain["table"] as? String, let name = chain["name"] as? String,
               !(family == FirewallRules.family && table == FirewallRules.table),
               let hookName = chain["hook"] as? String, let hook = FirewallConflict.Hook(rawValue: hookName),
               (chain["type"] as? String) == "filter" {
                let key = Chain(family: family, table: table, name: name)
                hooks[key] = hook
                order.append(key)
                if (chain["policy"] as? String) == "drop" { found[key] = "policy drop" }
            } else if let rule = object["rule"] as? [String: Any],
                      let family = rule["family"] as? String, let table = rule["table"] as? String,
                      let name = rule["chain"] as? String,
                      let expressions = rule["expr"] as? [[String: Any]] {
                let key = Chain(family: family, table: table, name: name)
                guard hooks[key] != nil, found[key] == nil, let verdict = unconditionalDrop(expressions) else { continue }
                found[key] = "an unconditional `\(verdict)` rule"
            }
        }
        return order.compactMap { key -> FirewallConflict? in
            guard let reason = found[key], let hook = hooks[key] else { return nil }
            return FirewallConflict(
                family: key.family, table: key.table, chain: key.name, hook: hook, reason: reason,
                advice: FirewallConflict.advice(family: key.family, table: key.table, chain: key.name, hook: hook))
        }
    }

    /// `drop` or `reject` when a rule is only that verdict (perhaps counted or logged): it
    /// matches every packet that reaches it.
    private static func unconditionalDrop(_ expressions: [[String: Any]]) -> String? {
        let verbs = expressions.compactMap(\.keys.first)
        guard let last = verbs.last, ["drop", "reject"].contains(last) else { return nil }
        return verbs.dropLast().allSatisfy { ["counter", "log", "limit"].contains($0) } ? last : nil
    }
}
