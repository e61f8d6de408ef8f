import AICoreAddresses
import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// Our nftables table against the real kernel, each test in a network namespace of its own: it
/// is written whole, replaced whole, removed, and never touches another table.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces and nftables"))
struct FirewallTests {
    static let web = FirewallNetwork(
        name: "shop_default", bridge: "aic-0000000a", subnet: IPv4Network("10.220.0.0/24")!,
        serviceAddresses: [IPv4Address("10.220.0.254")!])
    static let backend = FirewallNetwork(
        name: "shop_backend", bridge: "aic-0000000b", subnet: IPv4Network("10.220.1.0/24")!, internal: true)

    /// What ufw leaves behind through iptables-nft, and a firewalld-like catch-all reject.
    static let foreignTables = """
        add table ip filter
        add chain ip filter FORWARD { type filter hook forward priority filter; policy drop; }
        add rule ip filter FORWARD ip saddr 192.0.2.1 accept
        add chain ip filter INPUT { type filter hook input priority filter; policy accept; }
        add table inet guard
        add chain inet guard incoming { type filter hook input priority filter; policy accept; }
        add rule inet guard incoming iifname "lo" accept
        add rule inet guard incoming counter reject
        add chain inet guard passing { type filter hook forward priority filter; policy accept; }
        add rule inet guard passing ct state invalid drop

        """

    static func inNewNamespace<T: Sendable>(_ body: @escaping @Sendable () throws(AICoreError) -> T) async throws -> T {
        try await NetworkNamespace.runInNew(body)
    }

    static func run(_ commands: String) throws(AICoreError) -> String {
        try NFTablesContext().run(commands, what: "run test commands")
    }

    @Test func applyWritesOurTableAndReapplyingReplacesIt() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            // An empty host: nothing to replace, nothing fails.
            #expect(try Firewall.rules() == nil)
            try Firewall.apply([Self.web])
            let first = try Firewall.rules() ?? ""
            #expect(first.contains("table inet aicore {"))
            #expect(first.contains("ip saddr 10.220.0.0/24 oifname != \"aic-0000000a\" masquerade"))
            #expect(!first.contains("aic-0000000b"))

            try Firewall.apply([Self.web, Self.backend])
            try Firewall.apply([Self.web, Self.backend])
            let ruleset = try Self.run("list ruleset")
            #expect(ruleset.components(separatedBy: "table inet aicore").count == 2, "one table: \(ruleset)")
            #expect(ruleset.components(separatedBy: "masquerade").count == 2, "one masquerade, not one per apply: \(ruleset)")
            #expect(ruleset.contains("iifname \"aic-0000000b\" oifname \"aic-0000000b\" accept"))

            try Firewall.apply([Self.backend])
            let last = try Firewall.rules() ?? ""
            #expect(last.contains("aic-0000000b"))
            #expect(!last.contains("aic-0000000a"))
            #expect(!last.contains("masquerade"))
        }
    }

    @Test func applyingNoNetworksAndRemovingLeaveNoTable() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            try Firewall.apply([Self.web])
            try Firewall.apply([])
            #expect(try Firewall.rules() == nil)
            try Firewall.apply([Self.web])
            try Firewall.remove()
            #expect(try Firewall.rules() == nil)
            // Twice: an agent's `down` after one that was interrupted.
            try Firewall.remove()
            #expect(try Self.run("list ruleset").isEmpty)
        }
    }

    @Test func anotherTableIsUntouchedAndItsDropsAreReportedWithTheFix() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            _ = try Self.run(Self.foreignTables)
            let before = try Self.run("list ruleset")
            // One listing per buffer: libnftables fails a second `list` in the same one.
            let theirs = try Self.run("list table ip filter") + Self.run("list table inet guard")
            try Firewall.apply([Self.web, Self.backend])
            try Firewall.apply([Self.web])
            #expect(try Self.run("list table ip filter") + Self.run("list table inet guard") == theirs)
            try Firewall.remove()
            #expect(try Self.run("list ruleset") == before)

            let conflicts = try Firewall.conflicts()
            #expect(conflicts.map { "\($0.family) \($0.table) \($0.chain) \($0.hook) \($0.reason)" } == [
                "ip filter FORWARD forward policy drop",
                "inet guard incoming input an unconditional `reject` rule",
            ])
            #expect(conflicts.first?.advice == "`ufw route allow in on aic-+` and `ufw route allow out on aic-+` with ufw, "
                + "or `iptables -I FORWARD -i aic-+ -j ACCEPT` and `iptables -I FORWARD -o aic-+ -j ACCEPT`")
            #expect(conflicts.last?.advice == "`nft insert rule inet guard incoming iifname \"aic-*\" accept`")
            #expect(conflicts.first?.description.hasPrefix(
                "table ip filter chain FORWARD (hook forward) has policy drop, which drops instances' traffic to and from outside their bridge; to allow it: ") == true)
        }
    }

    @Test func ourOwnTableIsNeverAConflictAndAnEmptyHostHasNone() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            #expect(try Firewall.conflicts().isEmpty)
            try Firewall.apply([Self.web, Self.backend])
            // Our input chain drops from the bridges, unconditionally at its end: that is ours.
            #expect(try Firewall.conflicts().isEmpty)
        }
    }

    @Test func aRejectedTransactionLeavesThePreviousTableAndSaysWhy() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            try Firewall.apply([Self.web])
            let before = try Firewall.rules()
            var bad = Self.backend
            bad.bridge = "aic-name-longer-than-fifteen-bytes"
            let failure = #expect(throws: AICoreError.self) { try Firewall.apply([Self.web, bad]) }
            #expect(failure?.message.hasPrefix("cannot write the nftables table inet aicore: Error:") == true, "\(String(describing: failure?.message))")
            #expect(try Firewall.rules() == before)
        }
    }
}
