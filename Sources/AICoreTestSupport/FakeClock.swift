import Synchronization

/// A `Clock` that only moves when a test advances it: back-off, probe periods and timeouts run
/// without sleeping, and every instant is exact.
public final class FakeClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable {
        /// Time since the clock was made.
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        var count: Int
        var continuation: CheckedContinuation<Bool, Never>
        /// Its bound; cancelled once the waiter is satisfied.
        var timeout: Task<Void, Never>?
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// How many tasks are asleep on this clock right now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }
    /// The earliest deadline anyone sleeps until.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, satisfied) = state.withLock { s -> (Bool, [Waiter]) in
                    if deadline <= s.now { return (true, []) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    let met = s.waiters.filter { $0.value.count <= s.sleepers.count }
                    for key in met.keys { s.waiters[key] = nil }
                    return (false, Array(met.values))
                }
                if resumeNow { continuation.resume() }
                for waiter in satisfied {
                    waiter.timeout?.cancel()
                    waiter.continuation.resume(returning: true)
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns once at least `count` tasks sleep on this clock (true), or after `limit` (false):
    /// how a test waits for the code under test to reach its next timed wait, without polling.
    public func waitForSleepers(_ count: Int, within limit: Duration = .seconds(120)) async -> Bool {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let met = state.withLock { s -> Bool in
                if s.sleepers.count >= count { return true }
                s.waiters[id] = Waiter(count: count, continuation: continuation)
                return false
            }
            if met {
                continuation.resume(returning: true)
                return
            }
            // The bound, on real time: only a failing test ever reaches it.
            let timeout = Task { [weak self] in
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                if let waiter = self?.state.withLock({ $0.waiters.removeValue(forKey: id) }) {
                    waiter.continuation.resume(returning: false)
                }
            }
            // Satisfied meanwhile: the waiter is gone, and so is the need for its bound.
            let pending = state.withLock { s -> Bool in
                guard s.waiters[id] != nil else { return false }
                s.waiters[id]?.timeout = timeout
                return true
            }
            if !pending { timeout.cancel() }
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves time to the earliest sleeper's deadline (if any) and wakes it.
    @discardableResult
    public func advanceToNextDeadline() -> Duration? {
        guard let deadline = nextDeadline else { return nil }
        let step = now.duration(to: deadline)
        advance(by: max(step, .zero))
        return step
    }
}
