import AICoreErrors
import AICoreController
import AICoreStore
import Foundation
import Testing

@Suite struct VIPAllocatorTests {
    @Test(arguments: ["127.0.0.1", "127.0.0.77", "127.0.1.1", "127.0.1.0", "127.0.2.255", "127.255.255.255"])
    func reservedAddressesAreNeverAssigned(_ text: String) throws {
        let vip = try #require(VIP(text))
        #expect(!VIPPool.isAssignable(vip))
    }

    @Test func addressesOutsideTheLoopbackRangeAreNotVIPs() {
        #expect(VIP("10.0.0.1") == nil)
        #expect(VIP("127.0.300.1") == nil)
        #expect(VIP("127.0.1") == nil)
        #expect(VIP("127.1.2.3")?.description == "127.1.2.3")
    }

    @Test func theFirstVIPIsTheLowestAfterTheDebianHostnameAddress() {
        #expect(VIPPool.lowestFree(excluding: [])?.description == "127.0.1.2")
        let used: Set<VIP> = Set((2...254).compactMap { VIP("127.0.1.\($0)") })
        #expect(VIPPool.lowestFree(excluding: used)?.description == "127.0.2.1")
    }

    @Test func everyServiceGetsItsOwnAddressInNameOrder() async throws {
        let allocator = VIPAllocator(store: try SQLiteStore(inMemory: 10))
        let vips = try await allocator.assign(stack: "demo", services: ["redis", "api", "postgres"])
        #expect(vips.mapValues(\.description) == ["api": "127.0.1.2", "postgres": "127.0.1.3", "redis": "127.0.1.4"])
    }

    @Test func aServiceKeepsItsVIPAcrossReappliesAndAgentRestarts() async throws {
        let dir = try Fixtures.temporaryDirectory("vip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first: [String: VIP]
        do {
            let allocator = VIPAllocator(store: try SQLiteStore(path: dir + "/state.db"))
            first = try await allocator.assign(stack: "demo", services: ["api", "postgres"])
            _ = try await allocator.assign(stack: "other", services: ["web"])
            #expect(try await allocator.assign(stack: "demo", services: ["postgres", "api"]) == first)
        }
        // A new agent over the same state file: same addresses, and a new service does not take one.
        let allocator = VIPAllocator(store: try SQLiteStore(path: dir + "/state.db"))
        let again = try await allocator.assign(stack: "demo", services: ["api", "postgres", "redis"])
        #expect(again["api"] == first["api"] && again["postgres"] == first["postgres"])
        #expect(again["redis"]?.description == "127.0.1.5")
    }

    @Test func downReleasesTheStacksVIPsForReuse() async throws {
        let allocator = VIPAllocator(store: try SQLiteStore(inMemory: 10))
        _ = try await allocator.assign(stack: "demo", services: ["api"])
        let other = try await allocator.assign(stack: "other", services: ["web"])
        try await allocator.release(stack: "demo")
        #expect(try await allocator.vips(stack: "demo").isEmpty)
        #expect(try await allocator.vips(stack: "other") == other)
        let reused = try await allocator.assign(stack: "third", services: ["db"])
        #expect(reused["db"]?.description == "127.0.1.2")
    }

    @Test func aServiceThatLeavesTheStackGivesItsVIPBack() async throws {
        let allocator = VIPAllocator(store: try SQLiteStore(inMemory: 10))
        _ = try await allocator.assign(stack: "demo", services: ["api", "cache"])
        let after = try await allocator.assign(stack: "demo", services: ["api"])
        #expect(after.keys.sorted() == ["api"])
        #expect(try await allocator.vips(stack: "demo").keys.sorted() == ["api"])
    }

    @Test func theStoreRefusesTwoServicesOnOneAddress() async throws {
        let store = try SQLiteStore(inMemory: 10)
        try await store.saveVIP(VIPRecord(stack: "a", service: "x", address: "127.0.1.2"))
        await #expect(throws: AICoreError.self) {
            try await store.saveVIP(VIPRecord(stack: "b", service: "y", address: "127.0.1.2"))
        }
    }
}
