import AICoreSystem
import Synchronization
import Testing

@Suite struct SerialSectionTests {
    /// A read-modify-write that awaits in the middle (`value`), and how many sections were
    /// inside at once: without the section, concurrent callers would read the same value and
    /// lose each other's increments.
    // @unchecked Sendable: `value` is touched only inside the section under test (that it is
    // never touched by two at once is what the test checks); `occupancy` is a Mutex.
    final class Probe: @unchecked Sendable {
        var value = 0
        let occupancy = Mutex((inside: 0, most: 0))

        func enter() { occupancy.withLock { $0.inside += 1; $0.most = max($0.most, $0.inside) } }
        func leave() { occupancy.withLock { $0.inside -= 1 } }
        var most: Int { occupancy.withLock { $0.most } }
    }

    @Test func sectionsRunOneAtATimeAndLoseNoChange() async {
        let section = SerialSection()
        let probe = Probe()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    await section.run { () async in
                        probe.enter()
                        let read = probe.value
                        await Task.yield()
                        probe.value = read + 1
                        probe.leave()
                    }
                }
            }
        }
        #expect(probe.value == 64)
        #expect(probe.most == 1)
    }

    @Test func aThrowingSectionLetsTheNextOneIn() async throws {
        struct Failure: Error {}
        let section = SerialSection()
        await #expect(throws: Failure.self) { try await section.run { () async throws(Failure) in throw Failure() } }
        #expect(await section.run { () async in 7 } == 7)
    }
}
