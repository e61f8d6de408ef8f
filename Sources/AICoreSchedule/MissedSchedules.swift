/// How many activations went by unstarted, as Kubernetes' CronJob controller (v2) grades them.
/// The count is an estimate (see `CronJobTiming.mostRecentScheduleTime`), so only its size
/// class is exposed: `many` is the controller's cue to warn that the clock or the starting
/// deadline needs attention, not a number to act on.
public enum MissedSchedules: Sendable, Hashable {
    /// At most the most recent activation is due; nothing earlier was skipped.
    case none
    /// Some activations were skipped; only the most recent one will run.
    case few
    /// More than 100 by the estimate: Kubernetes warns "too many missed start times".
    case many
}
