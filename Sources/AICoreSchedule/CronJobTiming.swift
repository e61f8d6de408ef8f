#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The scheduling arithmetic of Kubernetes' CronJob controller (v2), as pure functions of the
/// job's times, the schedule, its time zone and an injected `now`, so that a job here runs,
/// skips and re-checks exactly when Kubernetes would. Where Kubernetes' arithmetic is an
/// approximation with visible effects, the approximation is kept (see `mostRecentScheduleTime`).
public enum CronJobTiming {
    /// Added to every re-check time so that a clock a little behind (NTP adjusting it) still
    /// finds the activation due, rather than waking a moment early and sleeping a whole period.
    public static let recheckPadding: TimeInterval = 0.1

    /// Above this many missed activations Kubernetes stops treating the backlog as an outage
    /// to catch up on and warns instead: a gap that large is more likely a wrong clock.
    public static let manyMissedThreshold = 100

    /// The warning a controller raises when `MissedSchedules.many` comes back with a due run.
    public static let tooManyMissedWarning =
        "too many missed start times (more than \(manyMissedThreshold)); set or decrease the starting deadline or check clock skew"

    /// Kubernetes' `mostRecentScheduleTime`: the latest activation not after `now` that has not
    /// run, counted from the last scheduled time (else the creation time), and whether earlier
    /// ones were skipped.
    ///
    /// With `includeStartingDeadline` and a deadline, activations older than `now - deadline`
    /// are not counted at all: they can no longer start, so they are neither due nor "missed".
    ///
    /// When more than one activation has passed, Kubernetes does not walk them all (a wrong
    /// clock could make that decades of minutes). It takes the gap between the first two as the
    /// period, estimates how many fit before `now`, and walks forward only from one period
    /// before the estimated last. For irregular schedules the estimate can overshoot, and then
    /// no activation is found even though some passed (`30 10,11,12 * * 1-5` seen on a Friday
    /// afternoon from Thursday morning): Kubernetes then starts nothing, and neither does this.
    ///
    /// Throws when the schedule has no next activation within five years of the count's start,
    /// or two activations less than a second apart: a schedule such as `59 23 31 2 *` parses but
    /// never fires, and Kubernetes reports it as invalid rather than waiting forever.
    public static func mostRecentScheduleTime(
        createdAt: Date,
        lastScheduleTime: Date?,
        now: Date,
        schedule: CronSchedule,
        timeZone: TimeZone,
        startingDeadline: TimeInterval?,
        includeStartingDeadline: Bool
    ) throws(CronParseError) -> MostRecentSchedule {
        var earliest = lastScheduleTime ?? createdAt
        if includeStartingDeadline, let startingDeadline {
            earliest = max(earliest, now.addingTimeInterval(-startingDeadline))
        }

        guard let first = schedule.next(after: earliest, in: timeZone) else {
            throw neverFires(schedule)
        }
        if now < first {
            return MostRecentSchedule(earliest: earliest, mostRecent: nil, missed: .none)
        }
        // Kubernetes asks for the second activation only once the first has passed, so a
        // schedule that fires once and then not for five years is an error only from then on.
        guard let second = schedule.next(after: first, in: timeZone) else {
            throw neverFires(schedule)
        }
        if now < second {
            return MostRecentSchedule(earliest: earliest, mostRecent: first, missed: .none)
        }

        // Whole seconds, as Kubernetes counts them: the period rounded, the elapsed time truncated.
        let period = Int64(second.timeIntervalSince(first).rounded())
        guard period >= 1 else {
            throw neverFires(schedule)
        }
        let elapsed = Int64(now.timeIntervalSince(first))
        let estimatedCount = elapsed / period + 1

        // One period before the estimated last activation, so that a schedule that is not
        // evenly spaced still has its true last activation ahead of the walk's start.
        let walkStart = first.addingTimeInterval(TimeInterval((estimatedCount - 2) * period))
        var mostRecent: Date?
        var candidate = schedule.next(after: walkStart, in: timeZone)
        while let time = candidate, time <= now {
            mostRecent = time
            candidate = schedule.next(after: time, in: timeZone)
        }
        let missed: MissedSchedules = estimatedCount > Int64(manyMissedThreshold) ? .many : .few
        return MostRecentSchedule(earliest: earliest, mostRecent: mostRecent, missed: missed)
    }

    private static func neverFires(_ schedule: CronSchedule) -> CronParseError {
        CronParseError(
            field: nil,
            message: "\(schedule.text) has no next activation within five years; if it names a day its months never have (such as 31 in February), choose a day-of-month that every named month has")
    }
}
