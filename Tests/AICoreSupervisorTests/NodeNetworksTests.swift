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

/// A node's bridge networks, made in a namespace this test makes (never the host's): subnets,
/// bridges and VIPs that survive an agent restart, instance addresses that stay the same, and
/// nothing left behind once the networks are removed.
@Suite struct NodeNetworksTests {
    static func newNamespace() async throws -> Int32 {
        try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
    }

    static func inside<T: Sendable>(_ namespace: Int32, _ body: @escaping @Sendable () throws(AICoreError) -> T) async throws -> T {
        try await NetworkNamespace.run(in: namespace, body)
    }

    @Test func networksGetSubnetsBridgesAndVIPsAndInstancesKeepTheirAddressesAcrossARestart() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        let temporary = try TemporaryDirectory("node-networks")
        let directory = temporary.path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/networks.json"
        let networks = try NodeNetworks(stateFile: file, namespace: namespace)

        let leases = try await networks.ensure([
            NetworkRequest(name: "shop_default", stack: "shop", services: ["api", "db"]),
            NetworkRequest(name: "shop_back", stack: "shop", subnet: IPv4Network("10.99.5.0/24"), internal: true, services: ["db"]),
        ])
        let front = try #require(leases["shop_default"])
        let back = try #require(leases["shop_back"])
        #expect(front.subnet.description == "10.220.0.0/24")
        #expect(front.gateway.description == "10.220.0.1")
        #expect(back.subnet.description == "10.99.5.0/24")
        #expect(back.internal)
        #expect(Set(front.vips.keys) == ["shop/api", "shop/db"])
        #expect(front.vips(of: "shop").keys.sorted() == ["api", "db"])
        #expect(back.vips(of: "shop").keys.sorted() == ["db"])
        // The VIPs are the bridge's: something can listen there.
        for vip in front.vips.values {
            try await Self.inside(namespace) { () throws(AICoreError) in _ = close(try NamespaceTCP.listen(on: vip)) }
        }
        let forwarding = try await Self.inside(namespace) { () throws(AICoreError) -> String in
            (try? FileIO.readString("/proc/sys/net/ipv4/ip_forward")) ?? ""
        }
        #expect(forwarding.hasPrefix("1"), "a network with a way out turns forwarding on in its namespace")

        let first = try await networks.attach(instance: "shop-db-1", [NetworkJoin(network: "shop_back"), NetworkJoin(network: "shop_default")])
        #expect(first.attachments.map(\.interface) == ["eth0", "eth1"])
        #expect(first.attachments.map(\.defaultRoute) == [false, true], "an internal network carries no default route")
        #expect(first.attachments.map(\.bridge) == [back.bridge, front.bridge])
        #expect(Set(first.addresses.values).isDisjoint(with: Set(front.vips.values).union(back.vips.values)))
        let pinned = try await networks.attach(instance: "shop-api-1", [NetworkJoin(network: "shop_default", address: IPv4Address("10.220.0.50"), interface: "front")])
        #expect(pinned.addresses["shop_default"]?.description == "10.220.0.50")
        #expect(pinned.attachments.first?.interface == "front")

        // An agent restart: the same answers from the file, and ensuring again changes nothing.
        let restarted = try NodeNetworks(stateFile: file, namespace: namespace)
        let again = try await restarted.ensure([
            NetworkRequest(name: "shop_default", stack: "shop", services: ["api", "db"]),
            NetworkRequest(name: "shop_back", stack: "shop", subnet: IPv4Network("10.99.5.0/24"), internal: true, services: ["db"]),
        ])
        #expect(again == leases)
        let readopted = try await restarted.attach(instance: "shop-db-1", [NetworkJoin(network: "shop_back"), NetworkJoin(network: "shop_default")])
        #expect(readopted.addresses == first.addresses)
        #expect(readopted.attachments == first.attachments)

        // A service that leaves the network loses its VIP, on the bridge too.
        let apiVIP = try #require(front.vips(of: "shop")["api"])
        let shrunk = try await restarted.ensure([NetworkRequest(name: "shop_default", stack: "shop", services: ["db"])])
        #expect(shrunk["shop_default"]?.vips(of: "shop").keys.sorted() == ["db"])
        await #expect(throws: AICoreError.self) {
            try await Self.inside(namespace) { () throws(AICoreError) in close(try NamespaceTCP.listen(on: apiVIP)) }
        }

        // A released instance's address goes to the next one.
        try await restarted.release(instance: "shop-api-1")
        let next = try await restarted.attach(instance: "shop-web-1", [NetworkJoin(network: "shop_default", address: IPv4Address("10.220.0.50"))])
        #expect(next.addresses["shop_default"]?.description == "10.220.0.50")

        try await restarted.remove(["shop_default", "shop_back"])
        let left = try await Self.inside(namespace) { () throws(AICoreError) -> [String] in
            [front.bridge, back.bridge].filter { (try? Netlink.linkIndex($0)) != nil }
                + (try Netlink.ipv4Routes()).map(\.description)
        }
        #expect(left.isEmpty, "no bridge and no route of ours is left: \(left)")
        #expect(await (try NodeNetworks(stateFile: file, namespace: namespace)).leases(["shop_default", "shop_back"]).isEmpty)
    }

    @Test func aSubnetThatOverlapsAHostRouteIsRefusedAndNothingIsMade() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        let temporary = try TemporaryDirectory("node-networks")
        let directory = temporary.path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.inside(namespace) { () throws(AICoreError) in
            try Netlink.addBridge("routed0", mac: [0x02, 0, 0, 0, 0, 1], mtu: nil)
            try Netlink.addAddress(IPv4Address("10.99.0.1")!, prefix: 16, to: "routed0")
            try Netlink.setLink("routed0", up: true)
        }
        let networks = try NodeNetworks(stateFile: directory + "/networks.json", namespace: namespace)
        // Asked beforehand (`config validate`, and `up` before it saves the stack): the route is
        // named, and asking makes nothing.
        let overlaps = try await networks.hostRouteOverlaps([IPv4Network("10.99.5.0/24")!, IPv4Network("10.98.0.0/24")!])
        #expect(overlaps == [IPv4Network("10.99.5.0/24")!: IPv4Network("10.99.0.0/16")!])
        #expect(!FileManager.default.fileExists(atPath: directory + "/networks.json"))
        let error = await #expect(throws: AICoreError.self) {
            try await networks.ensure([NetworkRequest(name: "shop_default", subnet: IPv4Network("10.99.5.0/24"))])
        }
        #expect(error?.message.contains("overlaps the host's route to 10.99.0.0/16") == true, "\(String(describing: error?.message))")
        #expect(!FileManager.default.fileExists(atPath: directory + "/networks.json"))
        let bridge = NetworkAllocations.bridgeName(for: "shop_default")
        #expect(try await Self.inside(namespace) { () throws(AICoreError) -> Int32? in try Netlink.linkIndex(bridge) } == nil)

        // A network of this node's own is no host route: its subnet, asked again, overlaps nothing,
        // also once a route of the host covers it (the network is there already, as `ensure` finds it).
        _ = try await networks.ensure([NetworkRequest(name: "shop_back", subnet: IPv4Network("10.98.0.0/24"), internal: true)])
        #expect(try await networks.hostRouteOverlaps([IPv4Network("10.98.0.0/24")!]).isEmpty)
        try await Self.inside(namespace) { () throws(AICoreError) in
            try Netlink.addAddress(IPv4Address("10.98.128.1")!, prefix: 16, to: "routed0")
        }
        #expect(try await networks.hostRouteOverlaps([IPv4Network("10.98.0.0/24")!]).isEmpty)
        #expect(try await networks.hostRouteOverlaps([IPv4Network("10.98.1.0/24")!]) == [IPv4Network("10.98.1.0/24")!: IPv4Network("10.98.0.0/16")!])
        try await networks.remove(["shop_back"])
    }

    @Test func aNetworkSharedByTwoStacksKeepsEachStacksVIPsAndAnExternalOneMustExist() async throws {
        let namespace = try await Self.newNamespace()
        defer { close(namespace) }
        let temporary = try TemporaryDirectory("node-networks")
        defer { try? FileManager.default.removeItem(atPath: temporary.path) }
        let networks = try NodeNetworks(stateFile: temporary.path + "/networks.json", namespace: namespace)
        let error = await #expect(throws: AICoreError.self) {
            try await networks.ensure([NetworkRequest(name: "shared", stack: "shop", external: true, services: ["api"])])
        }
        #expect(error?.message == "network shared is declared external, and this node has no such network; `up` the stack that declares it first")

        _ = try await networks.ensure([NetworkRequest(name: "shared", stack: "base", services: ["db"])])
        let both = try await networks.ensure([NetworkRequest(name: "shared", stack: "shop", external: true, services: ["db"])])
        let shared = try #require(both["shared"])
        #expect(shared.vips.keys.sorted() == ["base/db", "shop/db"], "the other stack's VIP stays, and the names do not collide")
        #expect(shared.vips(of: "base")["db"] != shared.vips(of: "shop")["db"])
        try await networks.remove(["shared"])
    }
}
