import AICoreErrors
import AICoreOS

/// A command a driver runs inside a task again and again (`TaskDriver.repeatRun`): a Compose
/// healthcheck, with no task of the caller's per run.
public protocol RepeatedRun: Sendable {
    /// The results since the last `take`, oldest first.
    func take() -> [RepeatedRunResult]
    /// The last results, oldest first.
    func recent() -> [RepeatedRunResult]
    /// Stops; a run under way is killed.
    func cancel()
}

/// When a `RepeatedRun` runs next, and which results its owner hears of: the owner's rule.
/// The driver asks it after every run, on its own thread: it must return at once.
public protocol RepeatPolicy: Sendable {
    /// After a run that ended `elapsed` after the repetition began, and passed (exited 0) or not.
    mutating func next(afterRunThatPassed passed: Bool, elapsed: Duration) -> RepeatStep
}

/// What a `RepeatPolicy` decided after one run.
public struct RepeatStep: Sendable, Equatable {
    /// From the end of this run to the start of the next.
    public var after: Duration
    /// Whether the owner is notified now (it then `take`s every result since the last take).
    public var report: Bool

    public init(after: Duration, report: Bool) {
        self.after = after
        self.report = report
    }
}

/// How a `RepeatedRun` runs: the first run, each run's limits, and the policy for the rest.
public struct RepeatPlan: Sendable {
    /// Before the first run.
    public var firstAfter: Duration
    /// A run still going then is killed, and fails.
    public var timeout: Duration
    /// Output kept per run (stdout and stderr together).
    public var outputLimit: Int
    /// Results kept for `recent`.
    public var kept: Int
    public var policy: any RepeatPolicy

    public init(firstAfter: Duration, timeout: Duration, outputLimit: Int, kept: Int, policy: any RepeatPolicy) {
        self.firstAfter = firstAfter
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.kept = kept
        self.policy = policy
    }
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

    /// Exited with code 0.
    public var passed: Bool {
        if case let .success(outcome) = outcome, outcome.ending == .exited(.exited(0)) { return true }
        return false
    }
}

/// A `RepeatPolicy` in the scheduler's terms (nanoseconds).
struct ExecRepeatPolicyAdapter: ExecRepeatPolicy {
    var policy: any RepeatPolicy

    mutating func afterRun(passed: Bool, elapsed: Int64) -> (next: Int64, notify: Bool) {
        let step = policy.next(afterRunThatPassed: passed, elapsed: .nanoseconds(elapsed))
        return (step.after.clampedNanoseconds, step.report)
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
