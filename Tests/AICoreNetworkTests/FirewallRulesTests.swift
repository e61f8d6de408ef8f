import AICoreAddresses
import Foundation
import Testing
@testable import AICoreNetwork

/// The text of our table: what each kind of network adds, in a stable order.
@Suite struct FirewallRulesTests {
    static let web = FirewallNetwork(
        name: "shop_default", bridge: "aic-0000000a", subnet: IPv4Network("10.220.0.0/24")!,
        serviceAddresses: [IPv4Address("10.220.0.254")!, IPv4Address("10.220.0.253")!])
    static let backend = FirewallNetwork(
        name: "shop_backend", bridge: "aic-0000000b", subnet: IPv4Network("10.220.1.0/24")!, internal: true)

    @Test func oneNetworkForwardsWithinItsBridgeEgressesMasqueradedAndReachesOnlyItsServiceAddresses() {
        #expect(FirewallRules.ruleset(for: [Self.web]) == """
            table inet aicore {
            \tset bridges {
            \t\ttype ifname
            \t\telements = { "aic-0000000a" }
            \t}
            \tset egress {
            \t\ttype ifname
            \t\telements = { "aic-0000000a" }
            \t}
            \tchain forward {
            \t\ttype filter hook forward priority filter; policy accept;
            \t\tiifname @bridges ct state established,related accept
            \t\toifname @bridges ct state established,related accept
            \t\tiifname "aic-0000000a" ip saddr != 10.220.0.0/24 drop comment "spoofed source"
            \t\tiifname "aic-0000000a" oifname "aic-0000000a" accept comment "shop_default"
            \t\tiifname @bridges oifname @bridges drop comment "between networks"
            \t\tiifname @egress accept comment "egress"
            \t\tiifname @bridges drop comment "internal: no egress"
            \t\toifname @bridges drop comment "into a subnet from outside its bridge"
            \t}
            \tchain input {
            \t\ttype filter hook input priority filter; policy accept;
            \t\tiifname @bridges ct state established,related accept
            \t\tiifname "aic-0000000a" ip saddr != 10.220.0.0/24 drop comment "spoofed source"
            \t\tiifname "aic-0000000a" ip daddr { 10.220.0.253, 10.220.0.254 } accept comment "shop_default"
            \t\tiifname @bridges icmp type echo-request accept
            \t\tiifname @bridges icmpv6 type echo-request accept
            \t\tiifname @bridges icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept
            \t\tiifname @bridges drop comment "the host's own services"
            \t}
            \tchain postrouting {
            \t\ttype nat hook postrouting priority srcnat; policy accept;
            \t\tip saddr 10.220.0.0/24 oifname != "aic-0000000a" masquerade comment "shop_default"
            \t}
            }

            """)
    }

    /// An `enable_ipv6` network: its `ip6` source check beside the `ip` one (link-local and
    /// unspecified sources pass, for neighbour discovery), and its ULA masqueraded as Docker 27
    /// does; the interface rules hold for both families already. Internal: no IPv6 masquerade.
    @Test func anIPv6NetworkChecksAndMasqueradesItsIPv6SubnetToo() {
        var six = Self.web
        six.subnet6 = IPv6Network("fd12:3456:789a::5/64")
        let text = FirewallRules.ruleset(for: [six])
        let spoofing = "\t\tiifname \"aic-0000000a\" ip6 saddr != { fd12:3456:789a::/64, fe80::/10, ::/128 } drop comment \"spoofed source\""
        #expect(text.components(separatedBy: "\n").filter { $0 == spoofing }.count == 2, "in forward and input")
        #expect(text.contains("\t\tip6 saddr fd12:3456:789a::/64 oifname != \"aic-0000000a\" masquerade comment \"shop_default\"\n"))
        #expect(!FirewallRules.ruleset(for: [Self.web]).contains("ip6 "), "an IPv4-only network has no ip6 rule")
        var internalSix = Self.backend
        internalSix.subnet6 = IPv6Network("fd12:3456:789a:1::/64")
        let internalText = FirewallRules.ruleset(for: [internalSix])
        #expect(internalText.contains("ip6 saddr != { fd12:3456:789a:1::/64"))
        #expect(!internalText.contains("masquerade"))
    }

    @Test func anInternalNetworkHasNoEgressNoMasqueradeAndNoServiceRuleWithoutAddresses() {
        let text = FirewallRules.ruleset(for: [Self.backend])
        #expect(text.contains("""
            \tset egress {
            \t\ttype ifname
            \t}
            """))
        #expect(!text.contains("masquerade"))
        #expect(!text.contains("ip daddr"))
        #expect(text.contains("\t\tiifname \"aic-0000000b\" oifname \"aic-0000000b\" accept comment \"shop_backend\"\n"))
        #expect(text.contains("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t}\n"))
    }

    @Test func twoNetworksAreListedInBridgeOrderWhateverTheInputOrder() {
        let text = FirewallRules.ruleset(for: [Self.backend, Self.web])
        #expect(text == FirewallRules.ruleset(for: [Self.web, Self.backend]))
        #expect(text.contains("\t\telements = { \"aic-0000000a\", \"aic-0000000b\" }\n\t}\n\tset egress {\n\t\ttype ifname\n\t\telements = { \"aic-0000000a\" }\n"))
        let sameBridge = text.split(separator: "\n").filter { $0.contains("oifname \"aic-") && $0.contains("iifname \"aic-") }
        #expect(sameBridge == [
            "\t\tiifname \"aic-0000000a\" oifname \"aic-0000000a\" accept comment \"shop_default\"",
            "\t\tiifname \"aic-0000000b\" oifname \"aic-0000000b\" accept comment \"shop_backend\"",
        ])
    }

    @Test func theTransactionReplacesTheTableWholeAndAnEmptyOneOnlyRemovesIt() {
        #expect(FirewallRules.transaction(for: []) == "add table inet aicore\ndelete table inet aicore\n")
        #expect(FirewallRules.transaction(for: [Self.web]) == "add table inet aicore\ndelete table inet aicore\n" + FirewallRules.ruleset(for: [Self.web]))
    }

    @Test func aQuoteInANameCannotEndTheString() {
        var network = Self.backend
        network.name = "evil\" accept; drop"
        #expect(FirewallRules.ruleset(for: [network]).contains("comment \"evil accept; drop\""))
    }
}
