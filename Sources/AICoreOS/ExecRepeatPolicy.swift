/// When `ExecCheckScheduler` runs an exec again, and whether its owner must hear of a result:
/// the owner's rule (Compose's healthcheck timing, say). Asked on the scheduler's thread after
/// every run, under its lock: it must return at once and never block.
public protocol ExecRepeatPolicy: Sendable {
    /// After a run that ended `elapsed` nanoseconds after the repetition was scheduled, and
    /// exited 0 or not: nanoseconds until the next run starts, and whether to notify the owner.
    mutating func afterRun(passed: Bool, elapsed: Int64) -> (next: Int64, notify: Bool)
}
