import AICoreSystem
import Testing
import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

/// The exit monitor's thread also waits for any descriptor, with a deadline it keeps itself.
@Suite struct ProcessExitMonitorTests {
    @Test func aDescriptorThatBecomesReadableWakesItsWaiter() async throws {
        let (readEnd, writeEnd) = try FileIO.pipe()
        defer { close(readEnd); close(writeEnd) }
        async let woke = ProcessExitMonitor.shared.waitUntilReadable(readEnd, until: .now + .seconds(60))
        var byte: UInt8 = 1
        #expect(write(writeEnd, &byte, 1) == 1)
        #expect(await woke)
    }

    @Test func aDeadlineEndsTheWaitNeverBeforeItPasses() async throws {
        let (readEnd, writeEnd) = try FileIO.pipe()
        defer { close(readEnd); close(writeEnd) }
        let deadline = ContinuousClock.now + .milliseconds(150)
        #expect(await ProcessExitMonitor.shared.waitUntilReadable(readEnd, until: deadline) == false)
        #expect(ContinuousClock.now >= deadline)
    }

    @Test func eachWaiterGetsItsOwnDeadlineWhateverTheOrderTheyCameIn() async throws {
        var pipes: [(Int32, Int32)] = []
        for _ in 0..<6 { pipes.append(try FileIO.pipe()) }
        defer { for (r, w) in pipes { close(r); close(w) } }
        let start = ContinuousClock.now
        // Later deadlines registered first, so each new one is earlier than the loop's current wake-up.
        let deadlines = [600, 500, 400, 300, 200, 60_000].map { start + .milliseconds($0) }
        let readable = pipes[5]  // the last waiter's descriptor becomes readable long before its deadline
        let results = await withTaskGroup(of: (Int, Bool, ContinuousClock.Instant).self) { group in
            for (i, (readEnd, _)) in pipes.enumerated() {
                group.addTask {
                    let woke = await ProcessExitMonitor.shared.waitUntilReadable(readEnd, until: deadlines[i])
                    return (i, woke, ContinuousClock.now)
                }
            }
            var byte: UInt8 = 1
            _ = write(readable.1, &byte, 1)
            var all: [Int: (Bool, ContinuousClock.Instant)] = [:]
            for await (i, woke, at) in group { all[i] = (woke, at) }
            return all
        }
        for i in 0..<5 {
            #expect(results[i]?.0 == false, "waiter \(i)")
            #expect((results[i]?.1 ?? start) >= deadlines[i], "waiter \(i) woke before its deadline")
        }
        #expect(results[5]?.0 == true)
    }

    @Test func cancellingTheWaitingTaskEndsTheWait() async throws {
        let (readEnd, writeEnd) = try FileIO.pipe()
        defer { close(readEnd); close(writeEnd) }
        let waiting = Task { await ProcessExitMonitor.shared.waitUntilReadable(readEnd) }
        waiting.cancel()
        _ = await waiting.value
        #expect(waiting.isCancelled)
    }
}
