import AICoreAddresses
import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink against the real kernel, only inside network namespaces these tests make: a
/// "host" side with a bridge, an "instance" side reached by a veth pair whose peer is created
/// straight in it. Traffic goes between the two and nowhere else.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces"))
struct NetlinkTests {
    static let mac: [UInt8] = [0x02, 0x42, 0xac, 0x11, 0x00, 0x01]

    /// Opens a new empty namespace, kept alive by the returned descriptor.
    static func newNamespace() async throws -> Int32 {
        try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
    }

    @Test func aVethPeerMadeInAnInstanceNamespaceCarriesTCPOverTheBridge() async throws {
        let host = try await Self.newNamespace()
        let instance = try await Self.newNamespace()
        defer {
            close(host)
            close(instance)
        }
        let bridgeAddress = try #require(IPv4Address("10.201.0.1"))
        let instanceAddress = try #require(IPv4Address("10.201.0.2"))

        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            try Netlink.addBridge("aic-test0", mac: Self.mac, mtu: 1400)
            try Netlink.addAddress(bridgeAddress, prefix: 24, to: "aic-test0")
            try Netlink.setLink("aic-test0", up: true)
            try Netlink.addVeth("veth-test1", peer: "eth0", peerNamespace: instance, mtu: 1400)
            try Netlink.setLink("veth-test1", up: true, master: "aic-test0")
            // The peer went straight to the instance's namespace: it never existed here.
            #expect(try Netlink.linkIndex("eth0") == nil)
        }
        let listener = try await NetworkNamespace.run(in: instance) { () throws(AICoreError) -> Int32 in
            try Netlink.setLink("lo", up: true)
            try Netlink.addAddress(instanceAddress, prefix: 24, to: "eth0")
            try Netlink.setLink("eth0", up: true)
            try Netlink.addDefaultRoute(via: bridgeAddress, link: "eth0")
            #expect(try Netlink.defaultRouteMTU() == 1400)
            return try NamespaceTCP.listen(on: instanceAddress)
        }
        defer { close(listener) }
        let port = try NamespaceTCP.port(of: listener)

        // From the host side, across the bridge, to the instance's address.
        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            try NamespaceTCP.send("over the bridge", to: instanceAddress, port: port)
        }
        #expect(try NamespaceTCP.acceptAndRead(listener) == "over the bridge")

        // Deleting the host end takes the pair away; a second delete finds nothing.
        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            #expect(try Netlink.deleteLink("veth-test1"))
            #expect(try Netlink.deleteLink("veth-test1") == false)
            #expect(try Netlink.linkIndex("veth-test1") == nil)
        }
        try await NetworkNamespace.run(in: instance) { () throws(AICoreError) in
            #expect(try Netlink.linkIndex("eth0") == nil)
        }
    }

    @Test func failuresNameTheLinkAndTheKernelsReason() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
            try Netlink.addBridge("aic-dup0", mac: Self.mac, mtu: nil)
            let duplicate = #expect(throws: AICoreError.self) { try Netlink.addBridge("aic-dup0", mac: Self.mac, mtu: nil) }
            #expect(duplicate?.message == "cannot create the bridge aic-dup0: File exists")
            let missing = #expect(throws: AICoreError.self) { try Netlink.setLink("absent0", up: true) }
            #expect(missing?.message.hasPrefix("cannot set link absent0: No such device") == true, "\(String(describing: missing?.message))")
            // A namespace without a default route has no uplink MTU to follow.
            #expect(try Netlink.defaultRouteMTU() == nil)
            // The bridge's address routes its subnet, which the next network then skips.
            try Netlink.addAddress(IPv4Address("10.220.0.1")!, prefix: 24, to: "aic-dup0")
            try Netlink.setLink("aic-dup0", up: true)
            let routes = try Netlink.ipv4Routes()
            #expect(routes.map(\.description).contains("10.220.0.0/24"), "\(routes)")
            #expect(SubnetAllocator.next(from: AddressPool.defaults, avoiding: routes)?.description == "10.220.1.0/24")
        }
    }
}

extension NetlinkTests {
    @Test func aNetworksBridgeIsMadeOnceWithItsAddressAndRemoved() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        var allocations = NetworkAllocations()
        let network = try allocations.network("demo_default")
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
            try BridgeSetup.ensure(network, mtu: 1400)
            // Again, as an agent restart does: nothing changes, nothing fails.
            try BridgeSetup.ensure(network, mtu: 1400)
            #expect(try Netlink.ipv4Routes().map(\.description) == ["10.220.0.0/24"])
            // A service VIP: a local address of the bridge (a listener can bind it), added once.
            let vip = IPv4Address("10.220.0.2")!
            try BridgeSetup.addServiceAddress(vip, on: network)
            try BridgeSetup.addServiceAddress(vip, on: network)
            close(try NamespaceTCP.listen(on: vip))
            try BridgeSetup.removeServiceAddress(vip, on: network)
            #expect(throws: AICoreError.self) { close(try NamespaceTCP.listen(on: vip)) }
            #expect(try Netlink.removeAddress(vip, prefix: 32, from: network.bridge) == false)
            try BridgeSetup.remove(network)
            #expect(try Netlink.linkIndex(network.bridge) == nil)
            #expect(try Netlink.ipv4Routes().isEmpty)
            // A bridge left without its address (an agent killed part way) gets it.
            try Netlink.addBridge(network.bridge, mac: NetworkAllocations.bridgeMAC(gateway: network.gateway), mtu: nil)
            try BridgeSetup.ensure(network, mtu: nil)
            #expect(try Netlink.ipv4Routes().map(\.description) == ["10.220.0.0/24"])
        }
    }
}
