import Testing
@testable import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

struct BlockingWorkTests {
    /// Calls one after another reuse a parked thread instead of creating one each.
    @Test func sequentialCallsReuseParkedThreads() async throws {
        var threads = Set<UInt>()
        for _ in 0..<50 {
            threads.insert(try await BlockingWork.run { UInt(pthread_self()) })
        }
        #expect(threads.count <= WorkerThreads.maxParked)
        #expect(WorkerThreads.shared.parkedCount >= 1)
    }

    /// A call never waits behind a blocked one: each of these blocks until all of them run.
    @Test func concurrentCallsDoNotWaitForEachOther() async throws {
        let count = WorkerThreads.maxParked + 4
        let arrived = UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1)
        defer { arrived.deallocate() }
        pthread_barrier_init(arrived, nil, UInt32(count))
        defer { pthread_barrier_destroy(arrived) }
        let barrier = UInt(bitPattern: arrived)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<count {
                group.addTask {
                    try await BlockingWork.run {
                        pthread_barrier_wait(UnsafeMutablePointer<pthread_barrier_t>(bitPattern: barrier)!)
                        return i
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<count))
    }

    @Test func errorsReachTheCaller() async {
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await BlockingWork.run { () throws -> Int in throw Failure() } }
    }
}
