import Synchronization

/// An operation did not finish in time.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var timeout: Duration

    public var description: String { "\(operation) timed out after \(timeout)" }
}

/// Runs `operation`, giving up after `timeout`. The first outcome wins and the loser is
/// cancelled without waiting for it: an operation that ignores cancellation (a NIO future, a
/// server that never answers) cannot hold the caller past the deadline.
public func withDeadline<T: Sendable>(
    _ timeout: Duration, _ operationName: String, clock: ContinuousClock = ContinuousClock(),
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(
                continuation,
                work: Task { race.finish(await Result(asyncCatching: operation)) },
                timer: Task {
                    do { try await clock.sleep(for: timeout) } catch { return }
                    race.finish(.failure(DeadlineExceeded(operation: operationName, timeout: timeout)))
                }
            )
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The shared state of one `withDeadline` call: whoever finishes first resumes the caller.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
        var done = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            state.tasks = [work, timer]
            return nil
        }
        if let early {
            work.cancel()
            timer.cancel()
            continuation.resume(with: early)
        }
    }

    func finish(_ outcome: Result<T, any Error>) {
        let (continuation, tasks): (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) = state.withLock { state in
            guard !state.done else { return (nil, []) }
            state.done = true
            guard let continuation = state.continuation else {
                state.outcome = outcome
                return (nil, [])
            }
            state.continuation = nil
            defer { state.tasks = [] }
            return (continuation, state.tasks)
        }
        for task in tasks { task.cancel() }
        continuation?.resume(with: outcome)
    }
}

extension Result where Failure == any Error {
    init(asyncCatching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
