#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CronJobTiming {
    /// Kubernetes' `nextScheduleTime`: the activation to start now, or nil when none is due.
    /// Despite Kubernetes' name it looks back, not ahead: it is the most recent unstarted
    /// activation not after `now`, ignoring those older than the starting deadline.
    ///
    /// Throws as `mostRecentScheduleTime` does, for a schedule that never fires.
    public static func nextScheduleTime(
        createdAt: Date,
        lastScheduleTime: Date?,
        now: Date,
        schedule: CronSchedule,
        timeZone: TimeZone,
        startingDeadline: TimeInterval?
    ) throws(CronParseError) -> DueActivation? {
        let recent = try mostRecentScheduleTime(
            createdAt: createdAt, lastScheduleTime: lastScheduleTime, now: now,
            schedule: schedule, timeZone: timeZone,
            startingDeadline: startingDeadline, includeStartingDeadline: true)
        guard let scheduledTime = recent.mostRecent, scheduledTime <= now else { return nil }
        return DueActivation(scheduledTime: scheduledTime, missed: recent.missed)
    }

    /// Kubernetes' `nextScheduleTimeDuration`, as an instant: when the controller should look at
    /// the job again, `recheckPadding` after the activation following the most recent one.
    ///
    /// The starting deadline plays no part: the next activation is the same whether or not
    /// older ones could still start. Where the most recent activation cannot be pinned down
    /// (the schedule never fires, or the estimate jumped past it) Kubernetes counts from `now`
    /// so that it still wakes at the next activation. Nil when the schedule has no activation
    /// within five years of that; Kubernetes would re-check at once, which only repeats the error.
    public static func recheckTime(
        createdAt: Date,
        lastScheduleTime: Date?,
        now: Date,
        schedule: CronSchedule,
        timeZone: TimeZone
    ) -> Date? {
        let base: Date
        do {
            let recent = try mostRecentScheduleTime(
                createdAt: createdAt, lastScheduleTime: lastScheduleTime, now: now,
                schedule: schedule, timeZone: timeZone,
                startingDeadline: nil, includeStartingDeadline: false)
            base = recent.mostRecent ?? (recent.missed == .none ? recent.earliest : now)
        } catch {
            // A schedule that never fires is reported by the sync (`nextScheduleTime` throws
            // there); here it only moves the count to start from now, as in Kubernetes.
            base = now
        }
        return schedule.next(after: base, in: timeZone)?.addingTimeInterval(recheckPadding)
    }

    /// `recheckTime` as a delay from `now`, which is what Kubernetes' own tables state.
    public static func recheckDelay(
        createdAt: Date,
        lastScheduleTime: Date?,
        now: Date,
        schedule: CronSchedule,
        timeZone: TimeZone
    ) -> TimeInterval? {
        recheckTime(createdAt: createdAt, lastScheduleTime: lastScheduleTime, now: now, schedule: schedule, timeZone: timeZone)?
            .timeIntervalSince(now)
    }
}
