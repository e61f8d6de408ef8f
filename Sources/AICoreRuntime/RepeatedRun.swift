import AICoreErrors
import AICoreOS

/// A command a driver runs inside a task again and again on a schedule (`TaskDriver.repeatRun`):
/// a Compose healthcheck, with no task of the caller's per run.
public protocol RepeatedRun: Sendable {
    /// The results since the last `take`, oldest first.
    func take() -> [RepeatedRunResult]
    /// The last results, oldest first.
    func recent() -> [RepeatedRunResult]
    /// Stops; a run under way is killed.
    func cancel()
}

/// One run of a `RepeatedRun`: how it ended, or why it could not be made.
public struct RepeatedRunResult: Sendable {
    /// Unix time, nanoseconds.
    public var started: Int64
    public var ended: Int64
    public var outcome: Result<ExecOutcome, AICoreError>

    public init(started: Int64, ended: Int64, outcome: Result<ExecOutcome, AICoreError>) {
        self.started = started
        self.ended = ended
        self.outcome = outcome
    }
}

/// `RepeatedRun` on the shared `ExecCheckScheduler`.
struct ScheduledExecRun: RepeatedRun {
    let id: ExecCheckScheduler.ID
    let handle: TaskHandle
    var scheduler: ExecCheckScheduler { .shared }

    func take() -> [RepeatedRunResult] {
        scheduler.take(id).map(convert)
    }

    func recent() -> [RepeatedRunResult] {
        scheduler.recent(id).map(convert)
    }

    func cancel() {
        scheduler.cancel(id)
    }

    /// The same outcomes and errors as `LinuxTaskDriver.run`.
    private func convert(_ result: ExecCheckScheduler.Result) -> RepeatedRunResult {
        let outcome: Result<ExecOutcome, AICoreError>
        switch result.outcome {
        case let .ended(ending):
            outcome = .success(ExecOutcome(ending: ending, output: String(decoding: result.output, as: UTF8.self)))
        case let .notStarted(error):
            outcome = .failure(Self.spawnFailure(.child(error)))
        case let .failed(error):
            if handle.pidfd?.hasExited ?? true {
                outcome = .failure(AICoreError(code: .notFound, message: "task \(handle.id) is not running"))
            } else {
                outcome = .failure(Self.spawnFailure(.system(error)))
            }
        }
        return RepeatedRunResult(started: result.started, ended: result.ended, outcome: outcome)
    }

    static func spawnFailure(_ error: SpawnError) -> AICoreError {
        AICoreError.spawnFailed(error.description, cause: error, exitCode: error.exitCode)
    }
}
