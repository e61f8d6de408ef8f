import AICoreAddresses
import AICoreErrors
import AICoreNetwork
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreRuntime

#if canImport(Glibc)
import Glibc
#endif

/// An instance on an IPv6 bridge (in a namespace this test makes): the workload binds its IPv6
/// address the moment it starts (no `tentative` address), reaches the gateway over IPv6, has an
/// IPv6 default route, and the MAC it was given.
extension LinuxTaskDriverTests {
    @Test func anInstanceOnAnIPv6BridgeStartsWithAUsableIPv6AddressARouteAndItsMAC() async throws {
        let side = try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
        defer { close(side) }
        let gateway = try #require(IPv4Address("10.220.0.1"))
        let gateway6 = try #require(IPv6Address("fd00:6::1"))
        let address6 = try #require(IPv6Address("fd00:6::2"))
        let listener = try await NetworkNamespace.run(in: side) { () throws(AICoreError) -> Int32 in
            try Netlink.addBridge("aic-rt6", mac: [0x02, 0x42, 0x0a, 0xdc, 0x00, 0x01], mtu: nil)
            try Netlink.addAddress(gateway, prefix: 24, to: "aic-rt6")
            try Sysctl.disableDAD(on: "aic-rt6")
            try Sysctl.enableIPv6(on: "aic-rt6")
            try Netlink.addAddress(gateway6, prefix: 64, to: "aic-rt6")
            try Netlink.setLink("aic-rt6", up: true)
            return try NamespaceTCP.listen(on: gateway6)
        }
        defer { close(listener) }
        // A bound on the wait, should the workload never connect (not a timed assertion).
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        #expect(setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0)
        let port = try NamespaceTCP.port6(of: listener)
        let bridged = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir + "/bridged6", bridgeNamespace: side))
        let name = TestEnvironment.uniqueName("bridged6")
        var spec = spec(name, ["/usr/bin/python3", "-c", """
            import socket
            try:
                socket.socket(socket.AF_INET6, socket.SOCK_STREAM).bind(("fd00:6::2", 0))
                bound = b"bound\\n"
            except OSError as e:
                bound = str(e).encode() + b"\\n"
            s = socket.create_connection(("fd00:6::1", \(port)), 10)
            s.sendall(bound + open("/proc/net/ipv6_route").read().encode() + b"mac " + open("/sys/class/net/eth0/address").read().encode())
            """])
        spec.network = .bridge([
            TaskSpec.BridgeAttachment(bridge: "aic-rt6", hostInterface: "v6-\(name.suffix(8))", address: IPv4Address("10.220.0.2")!,
                                      prefix: 24, gateway: gateway, address6: address6, prefix6: 64, gateway6: gateway6,
                                      mac: [0x02, 0x42, 0xac, 0x11, 0x00, 0x07]),
        ])
        let handle = try await bridged.startRemovedAfterTest(spec)
        let (received, peer) = try await offload { try NamespaceTCP.acceptAndReadWithPeer6(listener) }
        #expect(peer == address6)
        #expect(received.hasPrefix("bound\n"), "the address is not tentative: \(received)")
        // The default route (::/0) via the gateway, on eth0: ipv6_route prints 32 hex digits each.
        let defaultRoute = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000006000000000000000000000001"
        #expect(received.contains(defaultRoute), "\(received)")
        #expect(received.hasSuffix("mac 02:42:ac:11:00:07\n"), "\(received)")
        #expect(try await bridged.wait(handle).status == .exited(0), "the workload bound its IPv6 address at once")
        try await offload { try bridged.remove(handle) }
    }
}
