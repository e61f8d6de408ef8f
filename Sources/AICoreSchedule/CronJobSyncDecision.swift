#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a CronJob controller does on one sync, decided as Kubernetes' CronJob controller (v2)
/// decides it in `syncCronJob`, with everything that talks to the API server left to the caller:
/// which run to start (if any), what to stop first, and when to look again.
///
/// The checks run in Kubernetes' order, and the order matters: a suspended job is not even
/// evaluated (so a schedule that never fires is not reported while suspended); a run already
/// started for the due time wins over the concurrency policy; Forbid skips, it does not queue.
public struct CronJobSyncDecision: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Start a run for `scheduledTime` (beside any active ones, under Allow).
        case start(scheduledTime: Date)
        /// Stop every active run, then start one for `scheduledTime` (Replace).
        case replaceThenStart(scheduledTime: Date)
        /// A run is active and the policy is Forbid: this activation is skipped for good.
        case skipForbidden(scheduledTime: Date)
        /// The activation is older than the starting deadline allows.
        case skipTooLate(scheduledTime: Date)
        /// A run for this activation exists already (or was recorded as the last scheduled).
        case skipAlreadyStarted(scheduledTime: Date)
        /// Nothing is due: look again at `recheckAt`.
        case wait
        /// The job is suspended: nothing starts, and nothing is due until the spec changes.
        case suspended
    }

    public let action: Action
    /// When to sync again, assuming the action is carried out (a started run becomes the last
    /// scheduled time). Nil when suspended, or when the schedule never fires again; Kubernetes
    /// then waits for the job's spec to change. If carrying out the action fails, retry with
    /// backoff instead, as Kubernetes does.
    public let recheckAt: Date?
    /// More than 100 activations were missed: raise `CronJobTiming.tooManyMissedWarning`.
    public let tooManyMissed: Bool

    public init(action: Action, recheckAt: Date?, tooManyMissed: Bool) {
        self.action = action
        self.recheckAt = recheckAt
        self.tooManyMissed = tooManyMissed
    }

    /// Decides one sync.
    /// - Parameters:
    ///   - activeRuns: the scheduled times of the runs still active.
    ///   - startingDeadline: how late a run may start after its scheduled time; nil for no limit.
    /// - Throws: `CronParseError` when the schedule never fires (`59 23 31 2 *`); Kubernetes
    ///   then records "invalid schedule" and stops syncing the job until its spec changes.
    public init(
        createdAt: Date,
        lastScheduleTime: Date?,
        activeRuns: [Date],
        now: Date,
        schedule: CronSchedule,
        timeZone: TimeZone,
        startingDeadline: TimeInterval?,
        concurrencyPolicy: CronJobConcurrencyPolicy,
        suspended: Bool
    ) throws(CronParseError) {
        if suspended {
            self.init(action: .suspended, recheckAt: nil, tooManyMissed: false)
            return
        }
        let recheck = { (lastScheduleTime: Date?) in
            CronJobTiming.recheckTime(
                createdAt: createdAt, lastScheduleTime: lastScheduleTime, now: now,
                schedule: schedule, timeZone: timeZone)
        }
        guard let due = try CronJobTiming.nextScheduleTime(
            createdAt: createdAt, lastScheduleTime: lastScheduleTime, now: now,
            schedule: schedule, timeZone: timeZone, startingDeadline: startingDeadline)
        else {
            self.init(action: .wait, recheckAt: recheck(lastScheduleTime), tooManyMissed: false)
            return
        }
        let scheduledTime = due.scheduledTime
        let tooManyMissed = due.missed == .many
        let skip = { (action: Action) in
            CronJobSyncDecision(action: action, recheckAt: recheck(lastScheduleTime), tooManyMissed: tooManyMissed)
        }

        // `nextScheduleTime` already ignores activations older than the deadline, so with
        // Kubernetes' rules this cannot fire; Kubernetes keeps the check as a guard, and so does
        // this, so that a change to how the due time is found cannot start a run too late.
        if let startingDeadline, scheduledTime.addingTimeInterval(startingDeadline) < now {
            self = skip(.skipTooLate(scheduledTime: scheduledTime))
            return
        }
        // Kubernetes names a run by the minute of its scheduled time, so a run scheduled within
        // the same minute is the same run: starting it again would only collide on the name.
        let minute = { (date: Date) in (date.timeIntervalSince1970 / 60).rounded(.down) }
        if lastScheduleTime == scheduledTime || activeRuns.contains(where: { minute($0) == minute(scheduledTime) }) {
            self = skip(.skipAlreadyStarted(scheduledTime: scheduledTime))
            return
        }
        if concurrencyPolicy == .forbid && !activeRuns.isEmpty {
            self = skip(.skipForbidden(scheduledTime: scheduledTime))
            return
        }
        let action: Action = concurrencyPolicy == .replace && !activeRuns.isEmpty
            ? .replaceThenStart(scheduledTime: scheduledTime)
            : .start(scheduledTime: scheduledTime)
        self.init(action: action, recheckAt: recheck(scheduledTime), tooManyMissed: tooManyMissed)
    }
}
