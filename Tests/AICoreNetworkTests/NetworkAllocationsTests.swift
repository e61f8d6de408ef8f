import AICoreAddresses
import AICoreErrors
import AICoreSystem
import Foundation
import Testing
@testable import AICoreNetwork

@Suite("Networks get subnets and instances addresses, stable and never twice")
struct NetworkAllocationsTests {
    static func net(_ text: String) -> IPv4Network { IPv4Network(text)! }
    static func ip(_ text: String) -> IPv4Address { IPv4Address(text)! }

    @Test func networksTakeTheNextFreeSubnetAndKeepIt() throws {
        var allocations = NetworkAllocations()
        let first = try allocations.network("demo_default")
        #expect(first.subnet.description == "10.220.0.0/24")
        #expect(first.gateway.description == "10.220.0.1")
        #expect(first.bridge == NetworkAllocations.bridgeName(for: "demo_default"))
        #expect(first.bridge.hasPrefix("aic-") && first.bridge.utf8.count == 12)
        #expect(try allocations.network("other_default").subnet.description == "10.220.1.0/24")
        #expect(try allocations.network("demo_default") == first)
        // A host route blocks a subnet; this node's own bridge routes are its networks'.
        let routes = [Self.net("10.220.0.0/24"), Self.net("10.220.1.0/24"), Self.net("10.220.2.0/23")]
        #expect(try allocations.network("third_default", hostRoutes: routes).subnet.description == "10.220.4.0/24")
        #expect(NetworkAllocations.bridgeMAC(gateway: Self.ip("10.220.0.1")) == [0x02, 0xac, 10, 220, 0, 1])
    }

    @Test func aRequestedSubnetMustOverlapNothing() throws {
        var allocations = NetworkAllocations()
        _ = try allocations.network("a_default", requested: Self.net("10.50.0.0/16"))
        let clash = #expect(throws: AICoreError.self) { try allocations.network("b_default", requested: Self.net("10.50.7.0/24")) }
        #expect(clash?.code == .conflict)
        #expect(clash?.message == "network b_default: the subnet 10.50.7.0/24 overlaps 10.50.0.0/16 of network a_default")
        let routed = #expect(throws: AICoreError.self) {
            try allocations.network("c_default", requested: Self.net("192.0.2.0/24"), hostRoutes: [Self.net("192.0.2.128/25")])
        }
        #expect(routed?.message == "network c_default: the subnet 192.0.2.0/24 overlaps the host's route to 192.0.2.128/25; choose another subnet")
        let changed = #expect(throws: AICoreError.self) { try allocations.network("a_default", requested: Self.net("10.60.0.0/16")) }
        #expect(changed?.code == .conflict)
        #expect(#expect(throws: AICoreError.self) { try allocations.network("d_default", requested: Self.net("10.70.0.0/31")) }?.code == .invalidSpec)
        // A subnet written with host bits is the network it names.
        #expect(try allocations.network("e_default", requested: Self.net("10.80.0.9/24")).subnet.description == "10.80.0.0/24")
        #expect(allocations.networks.count == 2)
    }

    @Test func instancesTakeTheLowestFreeAddressAndKeepIt() throws {
        var allocations = NetworkAllocations()
        _ = try allocations.network("n", requested: Self.net("10.9.0.0/24"))
        #expect(try allocations.address(of: "web-1", on: "n").description == "10.9.0.2")
        #expect(try allocations.address(of: "web-2", on: "n").description == "10.9.0.3")
        #expect(try allocations.address(of: "web-1", on: "n").description == "10.9.0.2")
        allocations.release("web-1", on: "n")
        #expect(try allocations.address(of: "web-3", on: "n").description == "10.9.0.2")
        #expect(try allocations.address(of: "db-1", on: "n", requested: Self.ip("10.9.0.200")).description == "10.9.0.200")
        let taken = #expect(throws: AICoreError.self) { try allocations.address(of: "db-2", on: "n", requested: Self.ip("10.9.0.200")) }
        #expect(taken?.code == .conflict)
        #expect(taken?.message == "db-2: 10.9.0.200 on network n is already db-1's")
        for bad in ["10.9.1.5", "10.9.0.1", "10.9.0.0", "10.9.0.255"] {
            let error = #expect(throws: AICoreError.self) { try allocations.address(of: "x-1", on: "n", requested: Self.ip(bad)) }
            #expect(error?.code == .invalidSpec, "\(bad)")
        }
        #expect(#expect(throws: AICoreError.self) { try allocations.address(of: "x-1", on: "absent") }?.code == .notFound)
    }

    @Test func aChosenGatewayAndIPRangeAreHonouredAndAStaticAddressMayLieOutsideTheRange() throws {
        var allocations = NetworkAllocations()
        let network = try allocations.network("n", requested: Self.net("10.9.0.0/24"), gateway: Self.ip("10.9.0.254"),
                                              range: Self.net("10.9.0.128/25"))
        #expect(network.gateway.description == "10.9.0.254")
        #expect(NetworkAllocations.bridgeMAC(gateway: network.gateway) == [0x02, 0xac, 10, 9, 0, 254])
        #expect(try allocations.address(of: "web-1", on: "n").description == "10.9.0.128", "the range's first address")
        #expect(try allocations.address(of: "db-1", on: "n", requested: Self.ip("10.9.0.5")).description == "10.9.0.5")
        #expect(#expect(throws: AICoreError.self) { try allocations.address(of: "x-1", on: "n", requested: Self.ip("10.9.0.254")) }?.code
                == .invalidSpec, "the gateway is no instance's")
        // The last free address of the range is never the gateway.
        for index in 2...125 { _ = try allocations.address(of: "web-\(index)", on: "n") }
        #expect(try allocations.address(of: "web-126", on: "n").description == "10.9.0.253")
        #expect(#expect(throws: AICoreError.self) { try allocations.address(of: "web-127", on: "n") }?.code == .exhausted)
        let moved = #expect(throws: AICoreError.self) { try allocations.network("n", requested: Self.net("10.9.0.0/24"), gateway: Self.ip("10.9.0.1")) }
        #expect(moved?.message == "network n has the gateway 10.9.0.254, not 10.9.0.1; remove the network (down) to change it")
    }

    @Test func aFullSubnetSaysSo() throws {
        var allocations = NetworkAllocations()
        _ = try allocations.network("tiny", requested: Self.net("10.9.9.0/30"))
        #expect(try allocations.address(of: "a", on: "tiny").description == "10.9.9.2")
        let full = #expect(throws: AICoreError.self) { try allocations.address(of: "b", on: "tiny") }
        #expect(full?.code == .exhausted)
        #expect(full?.message == "network tiny (10.9.9.0/30) has no free address left for b")
    }

    @Test func theFileKeepsThemAcrossARestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-netalloc-\(UInt32.random(in: 0...UInt32.max))").path
        try FileIO.makeDirectories(directory, mode: 0o700)
        defer { try? FileIO.removeTree(directory) }
        let file = NetworkAllocationFile(path: directory + "/networks.json")
        #expect(try file.load() == NetworkAllocations())
        var allocations = NetworkAllocations()
        _ = try allocations.network("demo_default")
        _ = try allocations.address(of: "demo-web-1", on: "demo_default")
        try file.save(allocations)
        #expect(try file.load() == allocations)
        #expect(try FileIO.readString(directory + "/networks.json").contains("\"10.220.0.0/24\""))
        try FileIO.write(directory + "/networks.json", "{\"version\": 9, \"allocations\": {\"networks\": {}}}")
        #expect(#expect(throws: AICoreError.self) { try file.load() }?.code == .tooNew)
        try FileIO.write(directory + "/networks.json", "{\"version\": 1, \"allocations\": {\"networks\": {\"n\": {\"subnet\": \"10.0.0.0/99\"}}}}")
        #expect(#expect(throws: AICoreError.self) { try file.load() }?.code == .corrupt)
    }
}
