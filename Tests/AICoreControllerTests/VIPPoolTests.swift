import AICoreController
import Testing

@Suite struct VIPPoolTests {
    @Test func eachStateDirectoryStartsInItsOwnBlockOutside127_0() throws {
        let system = VIPPool.start(forStateDirectory: "/var/lib/aicore")
        #expect(system == VIPPool.start(forStateDirectory: "/var/lib/aicore"))
        #expect(system >> 16 != 0x7F00, "never in 127.0.x.x")
        #expect(system & 0xFF == 1)
        let starts = Set((0..<200).map { VIPPool.start(forStateDirectory: "/tmp/aicore-test-\($0)") >> 8 })
        #expect(starts.count >= 195, "200 directories should almost never share a block")
        let vip = try #require(VIPPool.lowestFree(excluding: [], from: system))
        #expect(vip.value == system)
    }

    @Test func allocationWrapsAroundToTheFirstAddress() throws {
        let last = try #require(VIP("127.255.255.254"))
        let vip = try #require(VIPPool.lowestFree(excluding: [last], from: last.value))
        #expect(vip.description == "127.0.1.2")
    }
}
