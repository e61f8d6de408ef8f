import Synchronization

/// How far the writer of a streamed response got: whether a write is waiting for a client
/// that does not read, and since when; whether a heartbeat is already queued.
final class StreamProgress: Sendable {
    private struct State {
        var writeStarted: ContinuousClock.Instant?
        var heartbeatQueued = false
    }

    private let state = Mutex(State())

    func writeStarted() {
        state.withLock { $0.writeStarted = .now }
    }

    func writeEnded() {
        state.withLock { $0.writeStarted = nil }
    }

    /// True when a write has waited longer than `limit` (a stream with nothing to write is
    /// never stalled).
    func stalled(longerThan limit: Duration) -> Bool {
        state.withLock { $0.writeStarted.map { ContinuousClock.now - $0 > limit } ?? false }
    }

    /// True when no heartbeat waits yet (the caller then queues one).
    func claimHeartbeat() -> Bool {
        state.withLock { state in
            defer { state.heartbeatQueued = true }
            return !state.heartbeatQueued
        }
    }

    func heartbeatWritten() {
        state.withLock { $0.heartbeatQueued = false }
    }

    /// Returns once a write has waited longer than `limit`; looks every quarter of it.
    func waitUntilStalled(_ limit: Duration) async throws {
        while !stalled(longerThan: limit) {
            try await Task.sleep(for: limit / 4)
        }
    }
}
