import AICoreAddresses
import AICoreSystem
import Testing
@testable import AICoreNetwork

@Suite("New networks get the first free /24 of the pools, clear of other networks and the host's routes")
struct SubnetAllocatorTests {
    static func net(_ text: String) -> IPv4Network { IPv4Network(text)! }
    static func pool(_ text: String, _ size: Int) -> AddressPool { AddressPool(base: net(text), size: size)! }

    @Test(arguments: [
        // (taken, expected)
        ([String](), "10.220.0.0/24"),
        (["10.220.0.0/24"], "10.220.1.0/24"),
        (["10.220.0.0/24", "10.220.2.0/24"], "10.220.1.0/24"),
        // A route that spans many subnets is skipped in one step.
        (["10.220.0.0/20"], "10.220.16.0/24"),
        // A host address inside a subnet (a /32 route) takes the whole subnet.
        (["10.220.0.77/32"], "10.220.1.0/24"),
        // A route wider than the pool: the whole pool, then the next one.
        (["10.220.0.0/15"], "10.222.0.0/24"),
        (["10.0.0.0/8"], nil),
    ] as [([String], String?)])
    func allocation(_ taken: [String], _ expected: String?) {
        let pools = [Self.pool("10.220.0.0/15", 24), Self.pool("10.222.0.0/16", 24)]
        let chosen = SubnetAllocator.next(from: pools, avoiding: taken.map(Self.net))
        #expect(chosen?.description == expected)
    }

    @Test func theDefaultPoolsAvoidDockerHomeRoutersAndVPNs() {
        let avoided = ["172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "10.0.0.0/13"].map(Self.net)
        for pool in AddressPool.defaults {
            #expect(pool.size == 24)
            for range in avoided { #expect(!pool.base.overlaps(range), "\(pool) overlaps \(range)") }
        }
        #expect(SubnetAllocator.next(from: AddressPool.defaults, avoiding: [])?.description == "10.220.0.0/24")
        // 512 networks before they run out.
        var taken: [IPv4Network] = []
        while let next = SubnetAllocator.next(from: AddressPool.defaults, avoiding: taken) { taken.append(next) }
        #expect(taken.count == 512)
    }

    @Test func aPoolMustCutItsBaseIntoUsableSubnets() {
        #expect(AddressPool(base: Self.net("10.1.0.0/16"), size: 8) == nil)
        #expect(AddressPool(base: Self.net("10.1.0.0/16"), size: 31) == nil)
        #expect(AddressPool(base: Self.net("10.1.2.3/16"), size: 24)?.base.description == "10.1.0.0/16")
    }
}
