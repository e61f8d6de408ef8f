import AICoreAddresses
import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreNetwork

extension FirewallTests {
    /// The kernel takes the `ip6` rules of an IPv6 network, and an `ip6` table's FORWARD drop
    /// (ip6tables-nft, ufw) is reported as an `ip` one is: IPv6 networks forward through it.
    @Test func anIPv6NetworksRulesLoadAndIP6DropsAreReported() async throws {
        try await Self.inNewNamespace { () throws(AICoreError) in
            var six = Self.web
            six.subnet6 = IPv6Network("fd12:3456:789a::/64")
            try Firewall.apply([six, Self.backend])
            let rules = try Firewall.rules() ?? ""
            #expect(rules.contains("ip6 saddr fd12:3456:789a::/64 oifname != \"aic-0000000a\" masquerade"), "\(rules)")
            // nft lists the set its own way (sorted, `::/128` as `::`): only that it is there.
            #expect(rules.contains("iifname \"aic-0000000a\" ip6 saddr != {") && rules.contains("fe80::/10"), "\(rules)")

            _ = try Self.run("""
                add table ip6 filter
                add chain ip6 filter FORWARD { type filter hook forward priority filter; policy drop; }

                """)
            let conflicts = try Firewall.conflicts()
            #expect(conflicts.map { "\($0.family) \($0.table) \($0.chain) \($0.hook) \($0.reason)" } == ["ip6 filter FORWARD forward policy drop"])
            #expect(conflicts.first?.advice == "`nft insert rule ip6 filter FORWARD iifname \"aic-*\" accept` and `nft insert rule ip6 filter FORWARD oifname \"aic-*\" accept`")
            try Firewall.remove()
        }
    }
}
