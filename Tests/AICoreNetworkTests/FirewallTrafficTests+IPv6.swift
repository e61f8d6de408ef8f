import AICoreAddresses
import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// The same isolation over IPv6, for `enable_ipv6` networks: namespaces this test makes, a
/// "host" with two IPv6 bridges (A, B), an instance on each, and an "outside" joined to the host
/// by a veth (fd99::/64, the host's IPv6 default route).
extension FirewallTrafficTests {
    static let subnetA6 = IPv6Network("fd00:a::/64")!
    static let subnetB6 = IPv6Network("fd00:b::/64")!
    static let gatewayA6 = IPv6Address("fd00:a::1")!
    static let gatewayB6 = IPv6Address("fd00:b::1")!
    static let a1v6 = IPv6Address("fd00:a::2")!
    static let b1v6 = IPv6Address("fd00:b::2")!
    static let hostOutside6 = IPv6Address("fd99::1")!
    static let outside6 = IPv6Address("fd99::2")!

    static func networks6(internal: Bool) -> [FirewallNetwork] {
        [
            FirewallNetwork(name: "one_default", bridge: bridgeA, subnet: IPv4Network("10.230.0.0/24")!, subnet6: subnetA6, internal: `internal`),
            FirewallNetwork(name: "two_default", bridge: bridgeB, subnet: IPv4Network("10.230.1.0/24")!, subnet6: subnetB6),
        ]
    }

    struct Namespaces6 {
        var host: Int32
        var a1: Int32
        var b1: Int32
        var outside: Int32
        var all: [Int32] { [host, a1, b1, outside] }
    }

    static func makeNamespaces6() async throws -> Namespaces6 {
        let namespaces = Namespaces6(host: try await newNamespace(), a1: try await newNamespace(), b1: try await newNamespace(),
                                     outside: try await newNamespace())
        try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) in
            try Netlink.setLink("lo", up: true)
            for (bridge, gateway, gateway6) in [(bridgeA, gatewayA, gatewayA6), (bridgeB, gatewayB, gatewayB6)] {
                try Netlink.addBridge(bridge, mac: NetworkAllocations.bridgeMAC(gateway: gateway), mtu: nil)
                try Sysctl.disableDAD(on: bridge)
                try Sysctl.enableIPv6(on: bridge)
                try Netlink.addAddress(gateway, prefix: 24, to: bridge)
                try Netlink.addAddress(gateway6, prefix: 64, to: bridge)
                try Netlink.setLink(bridge, up: true)
            }
            try Netlink.addVeth("vout", peer: "eth0", peerNamespace: namespaces.outside, mtu: nil)
            // As on the bridges: a tentative link-local would hold back neighbour discovery on
            // the uplink for a second (a real uplink has long finished its).
            try Sysctl.disableDAD(on: "vout")
            try Netlink.addAddress(hostOutside6, prefix: 64, to: "vout")
            try Netlink.setLink("vout", up: true)
            try Netlink.addDefaultRoute(via: outside6, link: "vout")
            // The test's host namespace only (/proc/sys/net is the writer's namespace's).
            try Sysctl.enableIPv6Forwarding()
        }
        try await NetworkNamespace.run(in: namespaces.outside) { () throws(AICoreError) in
            try Netlink.setLink("lo", up: true)
            try Netlink.addAddress(outside6, prefix: 64, to: "eth0")
            try Netlink.setLink("eth0", up: true)
            try Netlink.addDefaultRoute(via: hostOutside6, link: "eth0")
        }
        for (namespace, address, gateway, port, bridge) in [
            (namespaces.a1, a1v6, gatewayA6, "va1", bridgeA), (namespaces.b1, b1v6, gatewayB6, "vb1", bridgeB),
        ] {
            try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) in
                try Netlink.addVeth(port, peer: "eth0", peerNamespace: namespace, mtu: nil)
                try Netlink.setLink(port, up: true, master: bridge)
            }
            try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
                try Netlink.setLink("lo", up: true)
                try Sysctl.enableIPv6(on: "eth0")
                try Netlink.addAddress(address, prefix: 64, to: "eth0")
                try Netlink.setLink("eth0", up: true)
                try Netlink.addDefaultRoute(via: gateway, link: "eth0")
            }
        }
        let machine = try FileIO.readString("/proc/sys/net/ipv6/conf/all/forwarding")
        let host = try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) -> String in
            do { return try FileIO.readString("/proc/sys/net/ipv6/conf/all/forwarding") } catch { throw AICoreError(.systemCall, "\(error)") }
        }
        #expect(host == "1\n")
        #expect(try FileIO.readString("/proc/sys/net/ipv6/conf/all/forwarding") == machine, "the machine's own setting is untouched")
        return namespaces
    }

    static func attempt6(from namespace: Int32, to ip: IPv6Address, port: UInt16) async throws -> NamespaceTCP.Attempt {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> NamespaceTCP.Attempt in
            try NamespaceTCP.attempt("hello", to: ip, port: port)
        }
    }

    static func listen6(in namespace: Int32, on ip: IPv6Address) async throws -> (fd: Int32, port: UInt16) {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> (fd: Int32, port: UInt16) in
            let fd = try NamespaceTCP.listen(on: ip)
            return (fd, try NamespaceTCP.port6(of: fd))
        }
    }

    static func accept6(_ listener: Int32) async throws -> (text: String, peer: IPv6Address) {
        try await offload { try NamespaceTCP.acceptAndReadWithPeer6(listener) }
    }

    @Test func ipv6NetworksAreIsolatedAndTheirEgressIsMasqueraded() async throws {
        let namespaces = try await Self.makeNamespaces6()
        defer { namespaces.all.forEach { close($0) } }
        let onB1 = try await Self.listen6(in: namespaces.b1, on: Self.b1v6)
        let onA1 = try await Self.listen6(in: namespaces.a1, on: Self.a1v6)
        let onOutside = try await Self.listen6(in: namespaces.outside, on: Self.outside6)
        let onHost = try await Self.listen6(in: namespaces.host, on: Self.gatewayA6)
        defer { [onB1.fd, onA1.fd, onOutside.fd, onHost.fd].forEach { close($0) } }

        // Without our table everything reaches everything, unmasqueraded: what follows is ours.
        // (Each accept only after a connection: an accept with none would wait forever.)
        try #require(try await Self.attempt6(from: namespaces.a1, to: Self.b1v6, port: onB1.port) == .connected)
        #expect(try await Self.accept6(onB1.fd).peer == Self.a1v6)
        try #require(try await Self.attempt6(from: namespaces.a1, to: Self.outside6, port: onOutside.port) == .connected)
        #expect(try await Self.accept6(onOutside.fd).peer == Self.a1v6)
        try #require(try await Self.attempt6(from: namespaces.outside, to: Self.a1v6, port: onA1.port) == .connected)
        #expect(try await Self.accept6(onA1.fd).peer == Self.outside6)
        try #require(try await Self.attempt6(from: namespaces.a1, to: Self.gatewayA6, port: onHost.port) == .connected)
        #expect(try await Self.accept6(onHost.fd).peer == Self.a1v6)

        try await Self.applyFirewall(Self.networks6(internal: false), in: namespaces.host)

        // Between networks: dropped.
        #expect(try await Self.attempt6(from: namespaces.a1, to: Self.b1v6, port: onB1.port) == .timedOut)
        // Egress: through, as the host's address (ULA is NATed, as Docker 27 does).
        try #require(try await Self.attempt6(from: namespaces.a1, to: Self.outside6, port: onOutside.port) == .connected)
        let out = try await Self.accept6(onOutside.fd)
        #expect(out.text == "hello")
        #expect(out.peer == Self.hostOutside6)
        // From outside straight to an instance's address: dropped.
        #expect(try await Self.attempt6(from: namespaces.outside, to: Self.a1v6, port: onA1.port) == .timedOut)
        // The host's own services on the gateway address: dropped.
        #expect(try await Self.attempt6(from: namespaces.a1, to: Self.gatewayA6, port: onHost.port) == .timedOut)

        // A internal: no way out; B's egress is untouched.
        try await Self.applyFirewall(Self.networks6(internal: true), in: namespaces.host)
        #expect(try await Self.attempt6(from: namespaces.a1, to: Self.outside6, port: onOutside.port) == .timedOut)
        try #require(try await Self.attempt6(from: namespaces.b1, to: Self.outside6, port: onOutside.port) == .connected)
        #expect(try await Self.accept6(onOutside.fd).peer == Self.hostOutside6)
        try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) in try Firewall.remove() }
    }
}
