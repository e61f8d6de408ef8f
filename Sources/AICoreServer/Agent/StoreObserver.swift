import AICoreStore
import Synchronization

/// Hears every instance write and event that reaches the Store (`ObservedStore`) and passes it
/// on: instance changes to one handler (the proxy's view of readiness), events to every live
/// subscriber (`/v1/events`). Called on the writers' tasks, so it only hands things over.
public final class StoreObserver: Sendable {
    public enum InstanceChange: Sendable {
        case saved(InstanceRecord)
        case deleted(id: String)
    }

    private struct State {
        var instanceHandler: (@Sendable (InstanceChange) -> Void)?
        var subscribers: [Int: AsyncStream<EventRecord>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state = Mutex(State())

    /// Events a slow subscriber may fall behind by before the oldest are dropped.
    public static let subscriberBuffer = 1024

    public init() {}

    /// Sets the one handler of instance changes.
    public func onInstanceChange(_ handler: @escaping @Sendable (InstanceChange) -> Void) {
        state.withLock { $0.instanceHandler = handler }
    }

    /// Events from now on, until the consumer stops iterating.
    public func subscribe() -> AsyncStream<EventRecord> {
        let (stream, continuation) = AsyncStream.makeStream(of: EventRecord.self,
                                                            bufferingPolicy: .bufferingNewest(Self.subscriberBuffer))
        let id = state.withLock { state in
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription (the agent shutting down).
    public func finish() {
        let all = state.withLock { state in
            defer { state.subscribers = [:] }
            return state.subscribers
        }
        for continuation in all.values { continuation.finish() }
    }

    func saved(_ record: InstanceRecord) {
        state.withLock { $0.instanceHandler }?(.saved(record))
    }

    func deleted(_ id: String) {
        state.withLock { $0.instanceHandler }?(.deleted(id: id))
    }

    func appended(_ events: [EventRecord]) {
        guard !events.isEmpty else { return }
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for continuation in subscribers {
            for event in events { continuation.yield(event) }
        }
    }
}
