import Synchronization

/// What the API knows of its readiness: when it first became ready, and the last report.
public final class ReadinessState: Sendable {
    private struct State {
        var firstReadyAt: ContinuousClock.Instant?
        var last: ReadinessReport?
    }

    private let state = Mutex(State())

    public init() {}

    public var firstReadyAt: ContinuousClock.Instant? { state.withLock { $0.firstReadyAt } }

    public var last: ReadinessReport? { state.withLock { $0.last } }

    /// Records a report; returns the previous one so the caller can log a change.
    @discardableResult
    public func record(_ report: ReadinessReport, now: ContinuousClock.Instant = .now) -> ReadinessReport? {
        state.withLock { state in
            let previous = state.last
            state.last = report
            if report.isReady, state.firstReadyAt == nil { state.firstReadyAt = now }
            return previous
        }
    }
}
