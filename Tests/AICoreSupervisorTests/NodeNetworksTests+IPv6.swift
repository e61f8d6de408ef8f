import AICoreAddresses
import AICoreErrors
import AICoreNetwork
import AICoreSupervisor
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `enable_ipv6` networks on a node, in a namespace this test makes: a /64 of the node's ULA
/// prefix, the same after a restart; the bridge's IPv6 gateway; instance IPv6 addresses and
/// default routes; IPv6 forwarding on only for a network with a way out.
extension NodeNetworksTests {
    static func sysctl(_ path: String, in namespace: Int32) async throws -> String {
        try await inside(namespace) { () throws(AICoreError) -> String in
            do { return try FileIO.readString(path) } catch { throw AICoreError(.systemCall, "\(error)") }
        }
    }

    @Test func ipv6NetworksGetAULASlash64AGatewayAndInstanceAddressesThatSurviveARestart() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        let temporary = try TemporaryDirectory("node-networks6")
        defer { try? FileManager.default.removeItem(atPath: temporary.path) }
        let file = temporary.path + "/networks.json"
        let networks = try NodeNetworks(stateFile: file, namespace: namespace)

        // Internal only first: no way out, so IPv6 forwarding stays as it was.
        let internalOnly = try await networks.ensure([
            NetworkRequest(name: "six_back", stack: "six", internal: true, services: ["db"], ipv6: IPv6Request()),
        ])
        #expect(internalOnly["six_back"]?.subnet6 != nil)
        #expect(try await Self.sysctl("/proc/sys/net/ipv6/conf/all/forwarding", in: namespace) == "0\n")

        let requests = [
            NetworkRequest(name: "six_back", stack: "six", internal: true, services: ["db"], ipv6: IPv6Request()),
            NetworkRequest(name: "six_default", stack: "six", services: ["api", "db"], ipv6: IPv6Request()),
            NetworkRequest(name: "six_fixed", stack: "six", services: ["api"],
                           ipv6: IPv6Request(subnet: IPv6Network("fd00:5::/64"), gateway: IPv6Address("fd00:5::fe"))),
            NetworkRequest(name: "six_v4", stack: "six", services: ["api"]),
        ]
        let leases = try await networks.ensure(requests)
        let back = try #require(leases["six_back"]?.subnet6)
        let front = try #require(leases["six_default"]?.subnet6)
        #expect(back.prefix == 64 && front.prefix == 64 && back != front)
        #expect(IPv6Network("fd00::/8")!.contains(front.address), "a ULA /64")
        #expect(back.address.high >> 16 == front.address.high >> 16, "both of the node's one /48")
        #expect(leases["six_default"]?.gateway6 == front.first.adding(1))
        #expect(leases["six_fixed"]?.subnet6?.description == "fd00:5::/64")
        #expect(leases["six_fixed"]?.gateway6?.description == "fd00:5::fe")
        #expect(leases["six_v4"]?.subnet6 == nil)
        #expect(try await Self.sysctl("/proc/sys/net/ipv6/conf/all/forwarding", in: namespace) == "1\n")
        let bridges = leases.mapValues(\.bridge)
        let (gatewayOnBridge, v4BridgeIPv6) = try await Self.inside(namespace) { () throws(AICoreError) -> (Bool, String) in
            let addresses = try Netlink.ipv6Addresses()
            let found = addresses.contains { $0.address == front.first.adding(1) && $0.link == bridges["six_default"] && $0.prefix == 64 }
            let disabled = (try? FileIO.readString("/proc/sys/net/ipv6/conf/\(bridges["six_v4"] ?? "")/disable_ipv6")) ?? ""
            return (found, disabled)
        }
        #expect(gatewayOnBridge)
        #expect(v4BridgeIPv6 == "1\n", "an IPv4-only network's bridge keeps IPv6 off")

        let joins = [NetworkJoin(network: "six_default"), NetworkJoin(network: "six_fixed", address6: IPv6Address("fd00:5::50")),
                     NetworkJoin(network: "six_v4", mac: [0x02, 0, 0, 0, 0, 1])]
        let attached = try await networks.attach(instance: "six-api-1", joins)
        #expect(attached.addresses6["six_default"] == front.first.adding(2))
        #expect(attached.addresses6["six_fixed"]?.description == "fd00:5::50")
        #expect(attached.addresses6["six_v4"] == nil)
        #expect(attached.attachments.map(\.gateway6) == [front.first.adding(1), IPv6Address("fd00:5::fe"), nil])
        #expect(attached.attachments.map(\.defaultRoute) == [true, false, false])
        #expect(attached.attachments.map(\.mac) == [nil, nil, [0x02, 0, 0, 0, 0, 1]])
        let wrong = await #expect(throws: AICoreError.self) {
            try await networks.attach(instance: "six-x-1", [NetworkJoin(network: "six_v4", address6: IPv6Address("fd00::5"))])
        }
        #expect(wrong?.code == .invalidSpec)

        // An agent restart: the same prefix, subnets and addresses.
        let restarted = try NodeNetworks(stateFile: file, namespace: namespace)
        #expect(try await restarted.ensure(requests) == leases)
        let again = try await restarted.attach(instance: "six-api-1", joins)
        #expect(again.addresses6 == attached.addresses6)
        #expect(again.attachments == attached.attachments)

        try await restarted.remove(["six_back", "six_default", "six_fixed", "six_v4"])
        let left = try await Self.inside(namespace) { () throws(AICoreError) -> [String] in
            try Netlink.ipv6Addresses().filter { !$0.address.description.hasPrefix("fe80:") && $0.link != "lo" }.map(\.address.description)
        }
        #expect(left.isEmpty, "no IPv6 address of ours is left: \(left)")
    }
}

extension NodeNetworksTests {
    @Test func anIPv6SubnetThatOverlapsAHostRouteIsRefusedAndThePoolsSkipIt() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        let temporary = try TemporaryDirectory("node-networks6-routes")
        defer { try? FileManager.default.removeItem(atPath: temporary.path) }
        let file = temporary.path + "/networks.json"
        // A host route to fd99::/48 (as a VPN's ULA range would be), on a link of the test's namespace.
        try await Self.inside(namespace) { () throws(AICoreError) in
            try Netlink.addBridge("routed6", mac: [0x02, 0, 0, 0, 0, 6], mtu: nil)
            try Sysctl.enableIPv6(on: "routed6")
            try Netlink.addAddress(IPv6Address("fd99::1")!, prefix: 48, to: "routed6")
            try Netlink.setLink("routed6", up: true)
        }
        let routes = try await Self.inside(namespace) { () throws(AICoreError) -> [IPv6Network] in try Netlink.ipv6Routes() }
        #expect(routes.contains(IPv6Network("fd99::/48")!), "\(routes)")
        let networks = try NodeNetworks(stateFile: file, pools6: [IPv6Network("fd99::/47")!], namespace: namespace)

        // Asked beforehand (`config validate`, `up` before it saves the stack): the route is named.
        let overlaps = try await networks.hostRouteOverlaps6([IPv6Network("fd99:0:0:5::/64")!, IPv6Network("fd98::/64")!])
        #expect(overlaps == [IPv6Network("fd99:0:0:5::/64")!: IPv6Network("fd99::/48")!])
        #expect(!FileManager.default.fileExists(atPath: file))

        // Asked for anyway: refused, and nothing is made or saved.
        let error = await #expect(throws: AICoreError.self) {
            try await networks.ensure([NetworkRequest(name: "six_fixed", stack: "six", services: ["api"],
                                                      ipv6: IPv6Request(subnet: IPv6Network("fd99:0:0:5::/64")))])
        }
        #expect(error?.message.contains("the IPv6 subnet fd99:0:0:5::/64 overlaps the host's route to fd99::/48") == true,
                "\(String(describing: error?.message))")
        #expect(!FileManager.default.fileExists(atPath: file))

        // From the pools: the first /64 past the routed /48.
        let leases = try await networks.ensure([NetworkRequest(name: "six_default", stack: "six", services: ["api"], ipv6: IPv6Request())])
        #expect(leases["six_default"]?.subnet6 == IPv6Network("fd99:0:1::/64"))
        // The network's own route (its bridge's) is no host route to it.
        #expect(try await networks.hostRouteOverlaps6([IPv6Network("fd99:0:1::/64")!]).isEmpty)
        try await networks.remove(["six_default"])
    }
}
