import AICoreAddresses
import AICoreErrors
import AICoreSystem
import Foundation
import Testing
@testable import AICoreNetwork

/// `enable_ipv6` networks: a /64 each of the node's ULA prefix (made once, kept), or the file's
/// subnet; instances' IPv6 addresses allocated as their IPv4 ones.
extension NetworkAllocationsTests {
    static func net6(_ text: String) -> IPv6Network { IPv6Network(text)! }
    static func ip6(_ text: String) -> IPv6Address { IPv6Address(text)! }

    /// A generator that always gives the same bits, so the ULA prefix is predictable.
    struct FixedBits: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func theNodesULAPrefixIsAnFDSlash48MadeOnce() throws {
        var allocations = NetworkAllocations()
        var generator = FixedBits(value: 0x12_3456_789a)
        let prefix = allocations.nodeULAPrefix(using: &generator)
        #expect(prefix.description == "fd12:3456:789a::/48")
        var other = FixedBits(value: 0x99)
        #expect(allocations.nodeULAPrefix(using: &other) == prefix, "made once, then kept")
        // Random ones are always fd00::/8 /48s.
        for _ in 0..<20 {
            var fresh = NetworkAllocations()
            let random = fresh.nodeULAPrefix()
            #expect(random.prefix == 48 && Self.net6("fd00::/8").contains(random.address) && random.address == random.first)
        }
    }

    @Test func ipv6NetworksTakeTheNextFreeSlash64AndKeepIt() throws {
        var allocations = NetworkAllocations()
        var generator = FixedBits(value: 0x12_3456_789a)
        _ = allocations.nodeULAPrefix(using: &generator)
        _ = try allocations.network("a_default")
        _ = try allocations.network("b_default")
        _ = try allocations.network("c_default")
        let a = try allocations.enableIPv6(on: "a_default", IPv6Request())
        #expect(a.subnet6?.description == "fd12:3456:789a::/64")
        #expect(a.gateway6?.description == "fd12:3456:789a::1")
        #expect(try allocations.enableIPv6(on: "b_default", IPv6Request()).subnet6?.description == "fd12:3456:789a:1::/64")
        // Again: the same subnet; another one is a conflict, as for IPv4.
        #expect(try allocations.enableIPv6(on: "a_default", IPv6Request()) == a)
        let moved = #expect(throws: AICoreError.self) { try allocations.enableIPv6(on: "a_default", IPv6Request(subnet: Self.net6("fd99::/64"))) }
        #expect(moved?.code == .conflict)
        // A requested subnet skips nothing but must overlap nothing.
        let clash = #expect(throws: AICoreError.self) {
            try allocations.enableIPv6(on: "c_default", IPv6Request(subnet: Self.net6("fd12:3456:789a:1::/80")))
        }
        #expect(clash?.message == "network c_default: the IPv6 subnet fd12:3456:789a:1::/80 overlaps fd12:3456:789a:1::/64 of network b_default")
        // Configured pools instead of the ULA prefix.
        let c = try allocations.enableIPv6(on: "c_default", IPv6Request(), pools: [Self.net6("fd12:3456:789a::/63"), Self.net6("fd55::/64")])
        #expect(c.subnet6?.description == "fd55::/64")
        #expect(throws: AICoreError.self) { try allocations.enableIPv6(on: "nope", IPv6Request()) }
    }

    @Test func instancesTakeTheLowestFreeIPv6AddressOrTheirStaticOne() throws {
        var allocations = NetworkAllocations()
        _ = try allocations.network("demo_default")
        _ = try allocations.network("v4_only")
        try allocations.enableIPv6(on: "demo_default", IPv6Request(subnet: Self.net6("fd00:1::/64")))
        #expect(try allocations.address6(of: "demo-web-1", on: "demo_default").description == "fd00:1::2")
        #expect(try allocations.address6(of: "demo-web-2", on: "demo_default").description == "fd00:1::3")
        #expect(try allocations.address6(of: "demo-web-1", on: "demo_default").description == "fd00:1::2", "stable")
        #expect(try allocations.address6(of: "demo-db-1", on: "demo_default", requested: Self.ip6("fd00:1::db")).description == "fd00:1::db")
        let taken = #expect(throws: AICoreError.self) { try allocations.address6(of: "demo-x-1", on: "demo_default", requested: Self.ip6("fd00:1::db")) }
        #expect(taken?.message == "demo-x-1: fd00:1::db on network demo_default is already demo-db-1's")
        for bad in ["fd00:2::5", "fd00:1::", "fd00:1::1"] {
            let refused = #expect(throws: AICoreError.self) { try allocations.address6(of: "demo-y-1", on: "demo_default", requested: Self.ip6(bad)) }
            #expect(refused?.code == .invalidSpec, "\(bad)")
        }
        #expect(#expect(throws: AICoreError.self) { try allocations.address6(of: "demo-web-1", on: "v4_only") }?.code == .invalidSpec)
        // Released: the address goes to the next instance.
        allocations.release("demo-web-1", on: "demo_default")
        #expect(try allocations.address6(of: "demo-web-3", on: "demo_default").description == "fd00:1::2")
    }

    @Test func aChosenIPv6GatewayAndRangeAreHonoured() throws {
        var allocations = NetworkAllocations()
        _ = try allocations.network("demo_default")
        let network = try allocations.enableIPv6(
            on: "demo_default", IPv6Request(subnet: Self.net6("fd00:1::/64"), gateway: Self.ip6("fd00:1::fffe"), range: Self.net6("fd00:1::100/120")))
        #expect(network.gateway6?.description == "fd00:1::fffe")
        #expect(try allocations.address6(of: "demo-web-1", on: "demo_default").description == "fd00:1::100")
        #expect(try allocations.address6(of: "demo-web-2", on: "demo_default").description == "fd00:1::101")
        _ = try allocations.network("other")
        let outside = #expect(throws: AICoreError.self) {
            try allocations.enableIPv6(on: "other", IPv6Request(subnet: Self.net6("fd00:2::/64"), gateway: Self.ip6("fd00:3::1")))
        }
        #expect(outside?.message == "network other: the IPv6 gateway fd00:3::1 is not a host address of fd00:2::/64")
    }

    @Test func theFileKeepsTheULAPrefixAndIPv6AllocationsAndReadsFilesFromBefore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-netalloc6-\(UInt32.random(in: 0...UInt32.max))").path
        try FileIO.makeDirectories(directory, mode: 0o700)
        defer { try? FileIO.removeTree(directory) }
        let file = NetworkAllocationFile(path: directory + "/networks.json")
        var allocations = NetworkAllocations()
        _ = try allocations.network("demo_default")
        try allocations.enableIPv6(on: "demo_default", IPv6Request())
        _ = try allocations.address6(of: "demo-web-1", on: "demo_default")
        try file.save(allocations)
        let loaded = try file.load()
        #expect(loaded == allocations)
        #expect(loaded.ulaPrefix != nil && loaded.ulaPrefix == allocations.ulaPrefix, "the same prefix after a restart")
        // A file from before IPv6: no prefix, no IPv6 fields; read as IPv4-only networks.
        try FileIO.write(directory + "/networks.json", """
            {"version": 1, "allocations": {"networks": {"old_default": {"subnet": "10.220.0.0/24", "bridge": "aic-00000000", "addresses": {"old-web-1": "10.220.0.2"}}}}}
            """)
        var old = try file.load()
        #expect(old.ulaPrefix == nil)
        #expect(old.networks["old_default"]?.subnet6 == nil)
        old.release("old-web-1", on: "old_default")
        #expect(old.networks["old_default"]?.addresses.isEmpty == true)
    }
}
