import Testing
@testable import AICoreServer

@Suite struct ProxyBackendPoolTests {
    let a = ProxyBackend(id: "a", port: 1001)
    let b = ProxyBackend(id: "b", port: 1002)
    let c = ProxyBackend(id: "c", port: 1003)

    @Test func roundRobinTakesEachBackendInTurn() {
        var pool = ProxyBackendPool(balance: .roundRobin, backends: [a, b, c])
        let picked = (0..<6).compactMap { _ in pool.pick()?.backend.id }
        #expect(picked == ["a", "b", "c", "a", "b", "c"])
    }

    @Test func pickCountsTheConnectionAsActive() throws {
        var pool = ProxyBackendPool(balance: .roundRobin, backends: [a])
        let picked = pool.pick()
        let counters = try #require(picked)
        #expect(counters.activeConnections == 1)
    }

    @Test(arguments: [ProxyBalance.roundRobin, .leastConnections])
    func exclusionSkipsBackendsThatFailed(balance: ProxyBalance) {
        var pool = ProxyBackendPool(balance: balance, backends: [a, b, c])
        #expect(pool.pick(excluding: [a, b])?.backend == c)
        #expect(pool.pick(excluding: [a, b, c]) == nil)
    }

    @Test func anEmptyPoolPicksNothing() {
        var pool = ProxyBackendPool(balance: .leastConnections)
        #expect(pool.pick() == nil)
    }

    @Test func leastConnectionsPrefersTheIdleBackend() throws {
        var pool = ProxyBackendPool(balance: .leastConnections, backends: [a, b])
        // Hold two connections on a and one on b: the next picks go to b until it has as many.
        let picked = pool.pick()
        let first = try #require(picked)
        #expect(first.backend == a)
        first.active.wrappingAdd(1, ordering: .relaxed)
        #expect(pool.pick()?.backend == b)
        #expect(pool.pick()?.backend == b)
        // Tied at two each: ties go in turn.
        let tied = [pool.pick(), pool.pick()].compactMap { $0?.backend.id }
        #expect(Set(tied) == ["a", "b"])
    }

    @Test func replaceKeepsCountersAndDrainsRemovedBackendsWithConnections() throws {
        var pool = ProxyBackendPool(balance: .roundRobin, backends: [a, b])
        let picked = pool.pick()
        let onA = try #require(picked)
        onA.total.wrappingAdd(1, ordering: .relaxed)
        pool.replace(with: [b, c])
        #expect(pool.members.map(\.backend) == [b, c])
        #expect(pool.draining.map(\.backend) == [a])
        #expect(pool.stats().map(\.inRotation) == [true, true, false])
        // Back in rotation: the same counters.
        pool.replace(with: [a, b, c])
        #expect(pool.members.first === onA)
        #expect(pool.draining.isEmpty)
        // Removed again, then its connection ends: forgotten.
        pool.replace(with: [b])
        onA.active.wrappingSubtract(1, ordering: .relaxed)
        pool.pruneDrained()
        #expect(pool.stats().map(\.backend) == [b])
    }

    @Test func replaceDropsDuplicatesAndIdleRemovedBackends() {
        var pool = ProxyBackendPool(balance: .roundRobin, backends: [a, a, b])
        #expect(pool.members.map(\.backend) == [a, b])
        pool.replace(with: [])
        #expect(pool.members.isEmpty)
        #expect(pool.draining.isEmpty)
        #expect(pool.pick() == nil)
    }
}
