import AICoreErrors
import AICoreStore
import Logging
import Synchronization

/// Writes one instance's record and events to the Store, in the order the runner made them, on
/// a writer task of its own so the runner never waits for SQLite.
///
/// What queues up while a write runs goes in one transaction: the newest record (each is whole)
/// and every event. A probe result that changes nothing else is deferrable: it reaches the Store
/// at most once per `deferredInterval`, with the next write that is not.
///
/// A write that fails is never dropped. It is logged, the runner hears of it (a `Notice`: once
/// per run of failures, and again when a write succeeds, with how long the Store failed), and
/// the batch is tried again after a back-off, merged with whatever came since. The events
/// waiting are bounded: past `eventLimit` the oldest go, and the recovery notice says how many.
final class InstanceRecorder<C: Clock>: Sendable where C.Duration == Duration {
    struct Configuration: Sendable {
        var deferredInterval: Duration = .seconds(30)
        var firstRetry: Duration = .milliseconds(500)
        var maxRetry: Duration = .seconds(30)
        var eventLimit = 1000
    }

    private struct State {
        var record: InstanceRecord?
        var events: [EventRecord] = []
        /// A record is waiting that must not wait for the deferred interval.
        var urgent = false
        var flushes: [CheckedContinuation<Void, Never>] = []
        var writing = false
        var deferredWriteScheduled = false
        var lastWrite: C.Instant?
        /// Events dropped since the last successful write (the Store failing for long).
        var dropped = 0
        /// When the current run of failures began, and the error it is at.
        var failingSince: C.Instant?
        var retry: Duration = .zero
    }

    private let store: any Store
    private let clock: C
    private let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    private let noticeHandler = Mutex<(@Sendable (Notice) -> Void)?>(nil)

    /// What the owner hears of the Store's health.
    enum Notice: Sendable {
        /// The first write of a run of failures failed.
        case failed(AICoreError)
        /// A write succeeded after failures that lasted `after`; `droppedEvents` did not fit.
        case recovered(after: Duration, droppedEvents: Int)
    }

    init(store: any Store, clock: C, configuration: Configuration = .init(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// Sets who hears of failures and recoveries (once the owner can be called).
    func onNotice(_ handler: @escaping @Sendable (Notice) -> Void) {
        noticeHandler.withLock { $0 = handler }
    }

    private func notify(_ notice: Notice) {
        noticeHandler.withLock { $0 }?(notice)
    }

    /// Queues `record` (and `event`) for the Store. A deferrable record waits out the deferred
    /// interval since the last write unless something urgent comes first.
    func record(_ record: InstanceRecord, event: EventRecord?, deferrable: Bool = false) {
        let action = state.withLock { state -> Action in
            state.record = record
            if let event { append(event, to: &state) }
            if !deferrable || event != nil { state.urgent = true }
            return nextAction(&state)
        }
        perform(action)
    }

    /// Returns once everything queued before the call has been tried: written, or, while the
    /// Store is failing, kept for the next retry (waiting for it would hold `stop` and `inspect`
    /// for as long as the Store fails).
    func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let action = state.withLock { state -> Action? in
                if state.writing && state.failingSince != nil { return nil }
                state.flushes.append(done)
                state.urgent = true
                return nextAction(&state)
            }
            if let action { perform(action) } else { done.resume() }
        }
    }

    // MARK: - The writer

    private enum Action {
        case none
        case startWriter
        case scheduleDeferred(Duration)
    }

    /// Whether the caller must start the writer or schedule a deferred write. Under the lock.
    private func nextAction(_ state: inout State) -> Action {
        guard !state.writing else { return .none }
        if state.urgent || !state.flushes.isEmpty {
            state.writing = true
            return .startWriter
        }
        guard state.record != nil, !state.deferredWriteScheduled else { return .none }
        let since = state.lastWrite.map { $0.duration(to: clock.now) } ?? configuration.deferredInterval
        guard since < configuration.deferredInterval else {
            state.writing = true
            return .startWriter
        }
        state.deferredWriteScheduled = true
        return .scheduleDeferred(configuration.deferredInterval - since)
    }

    private func perform(_ action: Action) {
        switch action {
        case .none:
            break
        case .startWriter:
            Task.detached { await self.write() }
        case let .scheduleDeferred(wait):
            Task.detached {
                try? await self.clock.sleep(for: wait)
                let action = self.state.withLock { state -> Action in
                    state.deferredWriteScheduled = false
                    state.urgent = state.urgent || state.record != nil
                    return self.nextAction(&state)
                }
                self.perform(action)
            }
        }
    }

    private struct Batch {
        var record: InstanceRecord?
        var events: [EventRecord]
        var flushes: [CheckedContinuation<Void, Never>]
    }

    /// One writer at a time, in order; it ends when nothing urgent is left.
    private func write() async {
        while let batch = take() {
            do {
                if let record = batch.record {
                    try await store.saveInstance(record, appending: batch.events)
                } else if !batch.events.isEmpty {
                    try await store.appendEvents(batch.events)
                }
                succeeded()
            } catch {
                let retry = failed(batch, error)
                for flush in batch.flushes { flush.resume() }
                try? await clock.sleep(for: retry)
                state.withLock { $0.urgent = true }
                continue
            }
            for flush in batch.flushes { flush.resume() }
        }
    }

    /// Everything queued, or nil (and the writer is done) when nothing urgent is.
    private func take() -> Batch? {
        state.withLock { state in
            guard state.urgent || !state.flushes.isEmpty else {
                state.writing = false
                return nil
            }
            defer {
                state.record = nil
                state.events = []
                state.flushes = []
                state.urgent = false
            }
            return Batch(record: state.record, events: state.events, flushes: state.flushes)
        }
    }

    private func succeeded() {
        let (recovered, dropped) = state.withLock { state -> (Duration?, Int) in
            state.lastWrite = clock.now
            state.retry = .zero
            defer {
                state.failingSince = nil
                state.dropped = 0
            }
            return (state.failingSince.map { $0.duration(to: clock.now) }, state.dropped)
        }
        if let recovered {
            logger.notice("the Store takes this instance's writes again after \(recovered); \(dropped) event(s) were dropped meanwhile")
            notify(.recovered(after: recovered, droppedEvents: dropped))
        }
    }

    /// Puts the batch back in front of what came since; returns how long to wait.
    private func failed(_ batch: Batch, _ error: AICoreError) -> Duration {
        let (first, retry) = state.withLock { state -> (Bool, Duration) in
            if state.record == nil { state.record = batch.record }
            let newer = state.events
            state.events = []
            for event in batch.events + newer { append(event, to: &state) }
            let first = state.failingSince == nil
            if first { state.failingSince = clock.now }
            state.retry = state.retry == .zero ? configuration.firstRetry : min(state.retry * 2, configuration.maxRetry)
            return (first, state.retry)
        }
        logger.error("cannot record the instance in the Store (trying again in \(retry)): \(error.message)")
        if first { notify(.failed(error)) }
        return retry
    }

    private func append(_ event: EventRecord, to state: inout State) {
        state.events.append(event)
        let excess = state.events.count - configuration.eventLimit
        guard excess > 0 else { return }
        state.events.removeFirst(excess)
        state.dropped += excess
    }
}
