import AICoreAddresses
import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// Real packets through our table. Everything lives in namespaces this test makes: a "host"
/// with two bridges (A: two instances, B: one), each instance in a namespace of its own, and an
/// "outside" namespace joined to the host by a veth (10.99.0.0/24, the host's default route).
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces and nftables"))
struct FirewallTrafficTests {
    static let bridgeA = "aic-tst0000a"
    static let bridgeB = "aic-tst0000b"
    static let gatewayA = IPv4Address("10.230.0.1")!
    static let gatewayB = IPv4Address("10.230.1.1")!
    static let a1 = IPv4Address("10.230.0.2")!
    static let a2 = IPv4Address("10.230.0.3")!
    static let b1 = IPv4Address("10.230.1.2")!
    static let serviceA = IPv4Address("10.230.0.254")!
    static let hostOutside = IPv4Address("10.99.0.1")!
    static let outside = IPv4Address("10.99.0.2")!

    static func network(internal: Bool) -> [FirewallNetwork] {
        [
            FirewallNetwork(name: "one_default", bridge: bridgeA, subnet: IPv4Network("10.230.0.0/24")!, internal: `internal`,
                            serviceAddresses: [serviceA]),
            FirewallNetwork(name: "two_default", bridge: bridgeB, subnet: IPv4Network("10.230.1.0/24")!),
        ]
    }

    /// The namespaces, kept alive by their descriptors.
    struct Namespaces {
        var host: Int32
        var a1: Int32
        var a2: Int32
        var b1: Int32
        var outside: Int32
        var all: [Int32] { [host, a1, a2, b1, outside] }
    }

    static func newNamespace() async throws -> Int32 {
        try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
    }

    static func readForwarding() throws(AICoreError) -> String {
        do {
            return try FileIO.readString("/proc/sys/net/ipv4/ip_forward")
        } catch {
            throw AICoreError(.systemCall, "read ip_forward: \(error)")
        }
    }

    /// `name` in `namespace`, on a veth whose host end `port` is a port of `bridge`.
    static func attach(_ namespace: Int32, address: IPv4Address, gateway: IPv4Address, port: String, bridge: String, host: Int32) async throws {
        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            try Netlink.addVeth(port, peer: "eth0", peerNamespace: namespace, mtu: nil)
            try Netlink.setLink(port, up: true, master: bridge)
        }
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
            try Netlink.setLink("lo", up: true)
            try Netlink.addAddress(address, prefix: 24, to: "eth0")
            try Netlink.setLink("eth0", up: true)
            try Netlink.addDefaultRoute(via: gateway, link: "eth0")
        }
    }

    static func makeNamespaces() async throws -> Namespaces {
        let namespaces = Namespaces(
            host: try await newNamespace(), a1: try await newNamespace(), a2: try await newNamespace(),
            b1: try await newNamespace(), outside: try await newNamespace())
        try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) in
            try Netlink.setLink("lo", up: true)
            for (bridge, gateway) in [(bridgeA, gatewayA), (bridgeB, gatewayB)] {
                try Netlink.addBridge(bridge, mac: NetworkAllocations.bridgeMAC(gateway: gateway), mtu: nil)
                try Netlink.addAddress(gateway, prefix: 24, to: bridge)
                try Netlink.setLink(bridge, up: true)
            }
            // The proxy's VIP for A lives on A's bridge, host side.
            try Netlink.addAddress(serviceA, prefix: 32, to: bridgeA)
            try Netlink.addVeth("vout", peer: "eth0", peerNamespace: namespaces.outside, mtu: nil)
            try Netlink.addAddress(hostOutside, prefix: 24, to: "vout")
            try Netlink.setLink("vout", up: true)
            try Netlink.addDefaultRoute(via: outside, link: "vout")
        }
        try await NetworkNamespace.run(in: namespaces.outside) { () throws(AICoreError) in
            try Netlink.setLink("lo", up: true)
            try Netlink.addAddress(outside, prefix: 24, to: "eth0")
            try Netlink.setLink("eth0", up: true)
            // Back through the host: so a direct attempt at an instance's address gets there.
            try Netlink.addDefaultRoute(via: hostOutside, link: "eth0")
        }
        try await attach(namespaces.a1, address: a1, gateway: gatewayA, port: "va1", bridge: bridgeA, host: namespaces.host)
        try await attach(namespaces.a2, address: a2, gateway: gatewayA, port: "va2", bridge: bridgeA, host: namespaces.host)
        try await attach(namespaces.b1, address: b1, gateway: gatewayB, port: "vb1", bridge: bridgeB, host: namespaces.host)

        // /proc/sys/net is the writer's namespace's: this enables forwarding in the test's host
        // namespace only, never on the machine.
        let machineBefore = try readForwarding()
        let outsideBefore = try await NetworkNamespace.run(in: namespaces.outside) { () throws(AICoreError) in try readForwarding() }
        let hostAfter = try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) -> String in
            // Not FileIO.write: a sysctl file refuses its chmod.
            let fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw AICoreError(.systemCall, "open ip_forward: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            do {
                try FileIO.writeAll(fd, Array("1\n".utf8), path: "/proc/sys/net/ipv4/ip_forward")
            } catch {
                throw AICoreError(.systemCall, "write ip_forward: \(error)")
            }
            return try readForwarding()
        }
        #expect(hostAfter == "1\n")
        #expect(try readForwarding() == machineBefore)
        #expect(try await NetworkNamespace.run(in: namespaces.outside) { () throws(AICoreError) in try readForwarding() } == outsideBefore)
        return namespaces
    }

    /// From `namespace`, a connection attempt at `ip:port`.
    static func attempt(from namespace: Int32, to ip: IPv4Address, port: UInt16) async throws -> NamespaceTCP.Attempt {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> NamespaceTCP.Attempt in
            try NamespaceTCP.attempt("hello", to: ip, port: port)
        }
    }

    static func listen(in namespace: Int32, on ip: IPv4Address) async throws -> (fd: Int32, port: UInt16) {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> (fd: Int32, port: UInt16) in
            let fd = try NamespaceTCP.listen(on: ip)
            return (fd, try NamespaceTCP.port(of: fd))
        }
    }

    static func accept(_ listener: Int32) async throws -> (text: String, peer: IPv4Address) {
        try await offload { try NamespaceTCP.acceptAndReadWithPeer(listener) }
    }

    static func applyFirewall(_ networks: [FirewallNetwork], in host: Int32) async throws {
        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in try Firewall.apply(networks) }
    }

    @Test func networksAreIsolatedEgressIsMasqueradedAndTheHostIsReachableOnlyOnServiceAddresses() async throws {
        let namespaces = try await Self.makeNamespaces()
        defer { namespaces.all.forEach { close($0) } }
        let onA2 = try await Self.listen(in: namespaces.a2, on: Self.a2)
        let onB1 = try await Self.listen(in: namespaces.b1, on: Self.b1)
        let onA1 = try await Self.listen(in: namespaces.a1, on: Self.a1)
        let onOutside = try await Self.listen(in: namespaces.outside, on: Self.outside)
        // The host listens on every address: its gateway address and A's service address.
        let onHost = try await Self.listen(in: namespaces.host, on: IPv4Address(0))
        defer { [onA2.fd, onB1.fd, onA1.fd, onOutside.fd, onHost.fd].forEach { close($0) } }

        // Without our table everything reaches everything, unmasqueraded: what follows is ours.
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.b1, port: onB1.port) == .connected)
        #expect(try await Self.accept(onB1.fd).text == "hello")
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.outside, port: onOutside.port) == .connected)
        #expect(try await Self.accept(onOutside.fd).peer == Self.a1)
        #expect(try await Self.attempt(from: namespaces.outside, to: Self.a1, port: onA1.port) == .connected)
        #expect(try await Self.accept(onA1.fd).peer == Self.outside)
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.gatewayA, port: onHost.port) == .connected)
        #expect(try await Self.accept(onHost.fd).peer == Self.a1)

        try await Self.applyFirewall(Self.network(internal: false), in: namespaces.host)

        // Within a network: through.
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.a2, port: onA2.port) == .connected)
        #expect(try await Self.accept(onA2.fd) == ("hello", Self.a1))
        // Between networks: dropped.
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.b1, port: onB1.port) == .timedOut)
        // Egress: through, as the host's address.
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.outside, port: onOutside.port) == .connected)
        #expect(try await Self.accept(onOutside.fd) == ("hello", Self.hostOutside))
        // From outside straight to an instance's address: dropped.
        #expect(try await Self.attempt(from: namespaces.outside, to: Self.a1, port: onA1.port) == .timedOut)
        // To the host: its own service address answers, the gateway address does not; nor does
        // A's service address from B's bridge.
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.gatewayA, port: onHost.port) == .timedOut)
        #expect(try await Self.attempt(from: namespaces.b1, to: Self.gatewayB, port: onHost.port) == .timedOut)
        #expect(try await Self.attempt(from: namespaces.b1, to: Self.serviceA, port: onHost.port) == .timedOut)
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.serviceA, port: onHost.port) == .connected)
        #expect(try await Self.accept(onHost.fd) == ("hello", Self.a1))

        // A internal: no way out, still within.
        try await Self.applyFirewall(Self.network(internal: true), in: namespaces.host)
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.outside, port: onOutside.port) == .timedOut)
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.a2, port: onA2.port) == .connected)
        #expect(try await Self.accept(onA2.fd).text == "hello")
        // B is not internal: its egress is untouched by A's.
        #expect(try await Self.attempt(from: namespaces.b1, to: Self.outside, port: onOutside.port) == .connected)
        #expect(try await Self.accept(onOutside.fd) == ("hello", Self.hostOutside))

        // Removed: back to everything reaching everything.
        try await NetworkNamespace.run(in: namespaces.host) { () throws(AICoreError) in try Firewall.remove() }
        #expect(try await Self.attempt(from: namespaces.a1, to: Self.b1, port: onB1.port) == .connected)
        #expect(try await Self.accept(onB1.fd).text == "hello")
    }
    /// A workload that gives itself another network's address (it may: CAP_NET_ADMIN in its own
    /// namespace) must not get out with it, masqueraded as that network. Datagrams in order
    /// around the spoofed one show it never arrived, with no waiting on a timeout.
    @Test func aSpoofedSourceAddressIsDroppedAtTheBridge() async throws {
        let namespaces = try await Self.makeNamespaces()
        defer { namespaces.all.forEach { close($0) } }
        let spoofed = IPv4Address("10.230.1.9")!
        let (listener, port) = try await NetworkNamespace.run(in: namespaces.outside) { () throws(AICoreError) -> (Int32, UInt16) in
            let fd = try NamespaceUDP.listen(on: Self.outside)
            return (fd, try NamespaceTCP.port(of: fd))
        }
        defer { close(listener) }
        let sendAll = { @Sendable () async throws in
            try await NetworkNamespace.run(in: namespaces.a1) { () throws(AICoreError) in
                try NamespaceUDP.send("before", from: Self.a1, to: Self.outside, port: port)
                try NamespaceUDP.send("spoofed", from: spoofed, to: Self.outside, port: port)
                try NamespaceUDP.send("after", from: Self.a1, to: Self.outside, port: port)
            }
        }
        let receive = { @Sendable () async throws -> (text: String, peer: IPv4Address) in
            try await offload { try NamespaceUDP.receive(listener) }
        }
        try await NetworkNamespace.run(in: namespaces.a1) { () throws(AICoreError) in
            try Netlink.addAddress(spoofed, prefix: 32, to: "eth0")
        }

        // Without our table it leaves as it is.
        try await sendAll()
        #expect(try await receive() == ("before", Self.a1))
        #expect(try await receive() == ("spoofed", spoofed))
        #expect(try await receive() == ("after", Self.a1))

        try await Self.applyFirewall(Self.network(internal: false), in: namespaces.host)
        try await sendAll()
        #expect(try await receive() == ("before", Self.hostOutside))
        #expect(try await receive() == ("after", Self.hostOutside))
    }
}
