import AICoreAddresses
import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// An `enable_ipv6` network's bridge and two instances on it, each in a namespace this test
/// makes: their IPv6 addresses are usable at once (no duplicate detection to wait for), and
/// they reach the gateway and each other over IPv6; an instance's interface has the MAC asked for.
extension NetlinkTests {
    @Test func instancesOnAnIPv6BridgeHaveUsableAddressesTheirMACAndReachEachOther() async throws {
        let host = try await Self.newNamespace()
        let first = try await Self.newNamespace()
        let second = try await Self.newNamespace()
        defer {
            close(host)
            close(first)
            close(second)
        }
        var allocations = NetworkAllocations()
        _ = try allocations.network("six_default")
        let network = try allocations.enableIPv6(on: "six_default", IPv6Request(subnet: IPv6Network("fd00:aa::/64")))
        let gateway6 = try #require(network.gateway6)
        let firstAddress = try allocations.address6(of: "six-a-1", on: "six_default")
        let secondAddress = try allocations.address6(of: "six-b-1", on: "six_default")
        let mac: [UInt8] = [0x02, 0x42, 0xac, 0x11, 0x00, 0x42]

        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            try BridgeSetup.ensure(network, mtu: nil)
            try BridgeSetup.ensure(network, mtu: nil)  // an agent restart: nothing changes
            try Netlink.addVeth("veth-six1", peer: "eth0", peerNamespace: first, mtu: nil, peerMAC: mac)
            try Netlink.addVeth("veth-six2", peer: "eth0", peerNamespace: second, mtu: nil)
            try Netlink.setLink("veth-six1", up: true, master: network.bridge)
            try Netlink.setLink("veth-six2", up: true, master: network.bridge)
            let bridgeAddress = try Netlink.ipv6Addresses().first { $0.address == gateway6 }
            #expect(bridgeAddress?.link == network.bridge)
            #expect(bridgeAddress.map { $0.flags & Netlink.ifaFlagTentative == 0 } == true, "the gateway is usable at once")
        }
        for (namespace, address) in [(first, firstAddress), (second, secondAddress)] {
            try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
                try Netlink.setLink("lo", up: true)
                try Sysctl.enableIPv6(on: "eth0")
                try Netlink.addAddress(address, prefix: 64, to: "eth0")
                try Netlink.setLink("eth0", up: true)
                try Netlink.addDefaultRoute(via: gateway6, link: "eth0")
            }
        }
        // Bound and listening before anything else happened: no `tentative` address, which
        // bind() would refuse with EADDRNOTAVAIL.
        let listener = try await NetworkNamespace.run(in: first) { () throws(AICoreError) -> Int32 in
            let own = try Netlink.ipv6Addresses().first { $0.address == firstAddress }
            #expect(own?.prefix == 64)
            #expect(own.map { $0.flags & Netlink.ifaFlagTentative == 0 } == true, "\(String(describing: own))")
            #expect(try Netlink.linkMAC("eth0") == mac)
            return try NamespaceTCP.listen(on: firstAddress)
        }
        defer { close(listener) }
        let port = try NamespaceTCP.port6(of: listener)
        // The other instance keeps the kernel's random MAC: unicast, locally administered.
        let randomMAC = try await NetworkNamespace.run(in: second) { () throws(AICoreError) -> [UInt8] in try Netlink.linkMAC("eth0") }
        #expect(randomMAC != mac && randomMAC[0] & 0x01 == 0 && randomMAC[0] & 0x02 == 0x02)

        // Instance to instance across the bridge, then host (the gateway) to instance.
        try await NetworkNamespace.run(in: second) { () throws(AICoreError) in
            try NamespaceTCP.send("from the other instance", to: firstAddress, port: port)
        }
        let fromSecond = try NamespaceTCP.acceptAndReadWithPeer6(listener)
        #expect(fromSecond.text == "from the other instance")
        #expect(fromSecond.peer == secondAddress)
        try await NetworkNamespace.run(in: host) { () throws(AICoreError) in
            try NamespaceTCP.send("from the gateway", to: firstAddress, port: port)
        }
        let fromGateway = try NamespaceTCP.acceptAndReadWithPeer6(listener)
        #expect(fromGateway.text == "from the gateway")
        #expect(fromGateway.peer == gateway6)

        // And the instance reaches the gateway: a listener on the bridge's IPv6 address.
        let gatewayListener = try await NetworkNamespace.run(in: host) { () throws(AICoreError) -> Int32 in try NamespaceTCP.listen(on: gateway6) }
        defer { close(gatewayListener) }
        let gatewayPort = try NamespaceTCP.port6(of: gatewayListener)
        try await NetworkNamespace.run(in: first) { () throws(AICoreError) in
            try NamespaceTCP.send("to the gateway", to: gateway6, port: gatewayPort)
        }
        let atGateway = try NamespaceTCP.acceptAndReadWithPeer6(gatewayListener)
        #expect(atGateway.text == "to the gateway")
        #expect(atGateway.peer == firstAddress)
    }
}
