import AICoreStore
import AICoreSupervisor
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
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
    }

    private struct Subscriber {
        var continuation: AsyncThrowingStream<EventRecord, any Error>.Continuation
        var buffer: Int
    }

    private let state = Mutex(State())

    /// Events a slow subscriber may fall behind by; one more ends its stream.
    public static let subscriberBuffer = 1024

    /// Live subscriptions (tests).
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public init() {}

    /// Sets the one handler of instance changes.
    public func onInstanceChange(_ handler: @escaping @Sendable (InstanceChange) -> Void) {
        state.withLock { $0.instanceHandler = handler }
    }

    /// Events from now on, until the consumer stops iterating. A consumer that falls `buffer`
    /// events behind gets those, then `StreamOverflow`, and is dropped: nothing is skipped
    /// silently and nothing grows.
    public func subscribe(buffer: Int = StoreObserver.subscriberBuffer) -> AsyncThrowingStream<EventRecord, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EventRecord.self,
                                                                    bufferingPolicy: .bufferingOldest(buffer))
        let id = state.withLock { state in
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = Subscriber(continuation: continuation, buffer: buffer)
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
        for subscriber in all.values { subscriber.continuation.finish() }
    }

    func saved(_ record: InstanceRecord) {
        state.withLock { $0.instanceHandler }?(.saved(record))
    }

    func deleted(_ id: String) {
        state.withLock { $0.instanceHandler }?(.deleted(id: id))
    }

    func appended(_ events: [EventRecord]) {
        guard !events.isEmpty else { return }
        let subscribers = state.withLock { $0.subscribers }
        for (id, subscriber) in subscribers {
            for event in events {
                guard case .dropped = subscriber.continuation.yield(event) else { continue }
                _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
                subscriber.continuation.finish(throwing: StreamOverflow(limit: subscriber.buffer))
                break
            }
        }
    }
}
