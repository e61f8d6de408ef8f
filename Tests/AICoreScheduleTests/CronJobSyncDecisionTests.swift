// Ported from Kubernetes (kubernetes/kubernetes, pkg/controller/cronjob/cronjob_controllerv2_test.go):
// TestControllerV2SyncCronJob, reduced to what it decides: whether a run starts (and for which
// scheduled time), whether active runs are replaced first, whether the activation is skipped,
// when the controller looks again, and whether it warns of too many missed start times.
// Rows keep the Go names, and Go's setup is restated per row: a job that never ran was created
// at 09:59; one that ran was created at 08:59 and last scheduled at 09:01, and a run still
// active is the one scheduled at the Go row's `jobCreationTime`.
// Conversions:
// - `@every 1h` rows (Kubernetes accepts `@every`; this parser refuses it) use the 5-field
//   schedule that fires at the same instants from where each row counts: `59 * * * *` where the
//   job was created or last scheduled at minute 59, `1 * * * *` where at minute 1. The one
//   `@every` row Go keeps commented out as failing is left out.
// - Rows whose outcome in Go turns on an API call failing after the decision ("create job
//   failed", "get job failed", "namespace is terminating") keep the decision, which is the same
//   as without the failure; what the controller does with the failure is the caller's.
// - Go counts events; a row here states only the too-many-missed warning. Go's other warnings
//   are for an unparseable schedule or time zone (rows below the table: the refusal happens
//   before any decision), a failed API call (not decided here), and the TZ= prefix (left out).
// Left out:
// - "never ran, is time in zone, but TZ is also set in schedule": Kubernetes reads `TZ=UTC` in the
//   schedule (and warns); `CronSchedule` refuses it, so there is nothing to decide.
// - What Go checks beyond the decision: updateStatus, the active count after the update, the
//   job's owner reference, lastSuccessfulTime and the event count (API machinery).
import Foundation
import Testing
import AICoreSchedule

@Suite struct CronJobSyncDecisionTests {
    typealias T = KubernetesCronJobTimes
    typealias Action = CronJobSyncDecision.Action

    static let onTheHour = "0 * * * ?"
    static let shortDead: TimeInterval = 10
    static let mediumDead: TimeInterval = 2 * 60 * 60
    static let longDead: TimeInterval = 1_000_000

    struct SyncRow: Sendable, CustomTestStringConvertible {
        let name: String
        var policy: CronJobConcurrencyPolicy = .allow
        var suspend = false
        var schedule = onTheHour
        var zone = "UTC"
        var deadline: TimeInterval? = nil
        var ranPreviously = false
        var stillActive = false
        var cronJobCreationTime: Date? = nil
        var jobCreationTime = T.justAfterThePriorHour
        var lastScheduleTime: Date? = nil
        let now: Date
        let action: Action
        /// Nil when Kubernetes does not re-queue (suspended).
        var delay: TimeInterval? = nil
        var tooManyMissed = false

        var createdAt: Date {
            cronJobCreationTime ?? (ranPreviously ? T.justBeforeThePriorHour : T.justBeforeTheHour)
        }
        var lastScheduled: Date? {
            ranPreviously ? (lastScheduleTime ?? T.justAfterThePriorHour) : nil
        }
        var activeRuns: [Date] { stillActive ? [jobCreationTime] : [] }
        var testDescription: String { name }
    }

    static let tenOClock = T.topOfTheHour
    static let untilNextHour = T.hour - T.minute + T.delta  // from 10:01 to 11:00, plus Kubernetes' 100 ms
    static let untilTheHour = T.minute + T.delta            // from 09:59 to 10:00

    static let rows: [SyncRow] = [
        // A job that never ran.
        .init(name: "never ran, not time, A", now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "never ran, not time, F", policy: .forbid, now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "never ran, not time, R", policy: .replace, now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "never ran, not time in zone", zone: "America/New_York",
              now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "never ran, is time, A", now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "never ran, is time, F", policy: .forbid, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "never ran, is time, R", policy: .replace, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "never ran, is time in zone, but time zone disabled", zone: "America/New_York",
              now: T.justAfterTheHour, action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "never ran, is time in zone", zone: "America/New_York",
              now: T.justAfterTheHour, action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "never ran, is time, suspended", suspend: true, now: T.justAfterTheHour, action: .suspended),
        // 10:00 is older than the 10 s deadline at 10:12, so it is not due at all: no warning, no start.
        .init(name: "never ran, is time, past deadline", deadline: shortDead,
              now: T.justAfterTheHour.addingTimeInterval(T.minute * (shortDead + 1)),
              action: .wait, delay: T.hour - T.minute - T.minute * (shortDead + 1) + T.delta),
        .init(name: "never ran, is time, not past deadline", deadline: longDead, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),

        // A job whose last run finished.
        .init(name: "prev ran but done, not time, A", ranPreviously: true, now: T.justBeforeTheHour,
              action: .wait, delay: untilTheHour),
        .init(name: "prev ran but done, not time, F", policy: .forbid, ranPreviously: true, now: T.justBeforeTheHour,
              action: .wait, delay: untilTheHour),
        .init(name: "prev ran but done, not time, R", policy: .replace, ranPreviously: true, now: T.justBeforeTheHour,
              action: .wait, delay: untilTheHour),
        .init(name: "prev ran but done, is time, A", ranPreviously: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "prev ran but done, is time, create job failed, A", ranPreviously: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "prev ran but done, is time, job not present in CJ active status, create job failed, A",
              ranPreviously: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "prev ran but done, is time, F", policy: .forbid, ranPreviously: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "prev ran but done, is time, R", policy: .replace, ranPreviously: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "prev ran but done, is time, suspended", suspend: true, ranPreviously: true, now: T.justAfterTheHour,
              action: .suspended),
        .init(name: "prev ran but done, is time, past deadline", deadline: shortDead, ranPreviously: true,
              now: T.justAfterTheHour, action: .wait, delay: untilNextHour),
        .init(name: "prev ran but done, is time, not past deadline", deadline: longDead, ranPreviously: true,
              now: T.justAfterTheHour, action: .start(scheduledTime: tenOClock), delay: untilNextHour),

        // A job whose 09:01 run is still active.
        .init(name: "still active, not time, A", ranPreviously: true, stillActive: true, now: T.justBeforeTheHour,
              action: .wait, delay: untilTheHour),
        .init(name: "still active, not time, F", policy: .forbid, ranPreviously: true, stillActive: true,
              now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "still active, not time, R", policy: .replace, ranPreviously: true, stillActive: true,
              now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),
        .init(name: "still active, is time, A", ranPreviously: true, stillActive: true, now: T.justAfterTheHour,
              action: .start(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "still active, is time, F", policy: .forbid, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .skipForbidden(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "still active, is time, R", policy: .replace, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .replaceThenStart(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "still active, is time, get job failed, R", policy: .replace, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .replaceThenStart(scheduledTime: tenOClock), delay: untilNextHour),
        .init(name: "still active, is time, suspended", suspend: true, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .suspended),
        .init(name: "still active, is time, past deadline", deadline: shortDead, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .wait, delay: untilNextHour),
        .init(name: "still active, is time, not past deadline", deadline: longDead, ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .start(scheduledTime: tenOClock), delay: untilNextHour),

        // Last scheduled at 09:01 and looked at a week later: only 10:00 today starts, and
        // without a deadline that rules out most of the week, the controller warns.
        .init(name: "prev ran but done, long overdue, not past deadline, A", deadline: longDead, ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, not past deadline, R", policy: .replace, deadline: longDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, not past deadline, F", policy: .forbid, deadline: longDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, no deadline, A", ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, no deadline, R", policy: .replace, ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, no deadline, F", policy: .forbid, ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta, tooManyMissed: true),
        .init(name: "prev ran but done, long overdue, past medium deadline, A", deadline: mediumDead, ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour), delay: T.hour + T.delta),
        .init(name: "prev ran but done, long overdue, past short deadline, A", deadline: shortDead, ranPreviously: true,
              now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour), delay: T.hour + T.delta),
        .init(name: "prev ran but done, long overdue, past medium deadline, R", policy: .replace, deadline: mediumDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta),
        .init(name: "prev ran but done, long overdue, past short deadline, R", policy: .replace, deadline: shortDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta),
        .init(name: "prev ran but done, long overdue, past medium deadline, F", policy: .forbid, deadline: mediumDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta),
        .init(name: "prev ran but done, long overdue, past short deadline, F", policy: .forbid, deadline: shortDead,
              ranPreviously: true, now: T.weekAfterTheHour, action: .start(scheduledTime: T.weekAfterTheHour),
              delay: T.hour + T.delta),

        // The clock went back: the 10:00 run exists, but at 09:59 nothing is due yet.
        .init(name: "this ran but done, time drifted back, F", policy: .forbid, ranPreviously: true,
              jobCreationTime: T.justAfterTheHour, now: T.justBeforeTheHour, action: .wait, delay: untilTheHour),

        // The 10:00 run was started (100 ms late) but the controller's lists have not caught up:
        // a run named for 10:00 is active, so 10:00 is not started again, whatever the policy.
        .init(name: "this started but went missing, not past deadline, A", deadline: longDead, ranPreviously: true,
              stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1), now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),
        .init(name: "this started but went missing, not past deadline, f", policy: .forbid, deadline: longDead,
              ranPreviously: true, stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1),
              now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),
        .init(name: "this started but went missing, not past deadline, R", policy: .replace, deadline: longDead,
              ranPreviously: true, stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1),
              now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),
        .init(name: "this started but is not present in cronjob active list, not past deadline, A", deadline: longDead,
              ranPreviously: true, stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1),
              now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),
        .init(name: "this started but is not present in cronjob active list, not past deadline, f", policy: .forbid,
              deadline: longDead, ranPreviously: true, stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1),
              now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),
        .init(name: "this started but is not present in cronjob active list, not past deadline, R", policy: .replace,
              deadline: longDead, ranPreviously: true, stillActive: true, jobCreationTime: tenOClock.addingTimeInterval(0.1),
              now: T.justAfterTheHour.addingTimeInterval(0.1),
              action: .skipAlreadyStarted(scheduledTime: tenOClock), delay: T.hour - T.minute - 0.1 + T.delta),

        // `@every 1h` rows, as the equivalent 5-field schedule.
        .init(name: "with @every schedule, never ran, not time", schedule: "59 * * * *",
              cronJobCreationTime: T.justBeforeTheHour, jobCreationTime: T.justBeforeTheHour, now: tenOClock,
              action: .wait, delay: T.hour - T.minute + T.delta),
        .init(name: "with @every schedule, never ran, is time", schedule: "59 * * * *",
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              now: T.justBeforeTheHour, action: .start(scheduledTime: T.justBeforeTheHour), delay: T.hour + T.delta),
        .init(name: "with @every schedule, never ran, is time, past deadline", schedule: "59 * * * *", deadline: shortDead,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              now: T.justBeforeTheHour.addingTimeInterval(shortDead + 1),
              action: .wait, delay: T.hour - (shortDead + 1) + T.delta),
        .init(name: "with @every schedule, never ran, is time, not past deadline", schedule: "59 * * * *", deadline: longDead,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              now: T.justBeforeTheHour.addingTimeInterval(shortDead - 1),
              action: .start(scheduledTime: T.justBeforeTheHour), delay: T.hour - (shortDead - 1) + T.delta),
        .init(name: "with @every schedule, prev ran but done, not time", schedule: "59 * * * *", ranPreviously: true,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              lastScheduleTime: T.justBeforeTheHour, now: tenOClock,
              action: .wait, delay: T.hour - T.minute + T.delta),
        .init(name: "with @every schedule, prev ran but done, is time", schedule: "59 * * * *", ranPreviously: true,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              lastScheduleTime: T.justBeforeTheHour, now: tenOClock.addingTimeInterval(T.hour),
              action: .start(scheduledTime: T.justBeforeTheNextHour), delay: T.hour - T.minute + T.delta),
        .init(name: "with @every schedule, prev ran but done, is time, past deadline", schedule: "59 * * * *",
              deadline: shortDead, ranPreviously: true,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              lastScheduleTime: T.justBeforeTheHour, now: T.justBeforeTheNextHour.addingTimeInterval(shortDead + 1),
              action: .wait, delay: T.hour - (shortDead + 1) + T.delta),
        .init(name: "with @every schedule, still active, not time", schedule: "59 * * * *", ranPreviously: true,
              stillActive: true, cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeTheHour,
              lastScheduleTime: T.justBeforeTheHour, now: tenOClock,
              action: .wait, delay: T.hour - T.minute + T.delta),
        .init(name: "with @every schedule, still active, is time", schedule: "59 * * * *", ranPreviously: true,
              stillActive: true, cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeThePriorHour,
              lastScheduleTime: T.justBeforeThePriorHour, now: T.justAfterTheHour,
              action: .start(scheduledTime: T.justBeforeTheHour), delay: T.hour - 2 * T.minute + T.delta),
        .init(name: "with @every schedule, still active, is time, past deadline", schedule: "59 * * * *",
              deadline: shortDead, ranPreviously: true, stillActive: true,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeTheHour,
              lastScheduleTime: T.justBeforeTheHour, now: T.justBeforeTheNextHour.addingTimeInterval(shortDead + 1),
              action: .wait, delay: T.hour - (shortDead + 1) + T.delta),
        .init(name: "with @every schedule, still active, is time, not past deadline", schedule: "59 * * * *",
              deadline: longDead, ranPreviously: true, stillActive: true,
              cronJobCreationTime: T.justBeforeThePriorHour, jobCreationTime: T.justBeforeTheHour,
              lastScheduleTime: T.justBeforeTheHour, now: T.justBeforeTheNextHour.addingTimeInterval(shortDead - 1),
              action: .start(scheduledTime: T.justBeforeTheNextHour), delay: T.hour - (shortDead - 1) + T.delta),
        .init(name: "with @every schedule, prev ran but done, long overdue, no deadline", schedule: "1 * * * *",
              ranPreviously: true, cronJobCreationTime: T.justAfterThePriorHour, jobCreationTime: T.justAfterThePriorHour,
              lastScheduleTime: T.justAfterTheHour, now: T.weekAfterTheHour,
              action: .start(scheduledTime: T.weekAfterTheHour.addingTimeInterval(-59 * T.minute)),
              delay: T.minute + T.delta, tooManyMissed: true),
        .init(name: "with @every schedule, prev ran but done, long overdue, past deadline", schedule: "1 * * * *",
              deadline: shortDead, ranPreviously: true,
              cronJobCreationTime: T.justAfterThePriorHour, jobCreationTime: T.justAfterThePriorHour,
              lastScheduleTime: T.justAfterTheHour, now: T.weekAfterTheHour.addingTimeInterval(T.minute + shortDead + 1),
              action: .wait, delay: T.hour - (shortDead + 1) + T.delta),

        .init(name: "do nothing if the namespace is terminating", ranPreviously: true, stillActive: true,
              now: T.justAfterTheHour, action: .start(scheduledTime: tenOClock), delay: untilNextHour),
    ]

    @Test(arguments: rows)
    func aSyncStartsSkipsOrWaitsAsKubernetesDoes(_ row: SyncRow) throws {
        let decision = try CronJobSyncDecision(
            createdAt: row.createdAt, lastScheduleTime: row.lastScheduled, activeRuns: row.activeRuns, now: row.now,
            schedule: try CronSchedule(parsing: row.schedule), timeZone: try #require(TimeZone(identifier: row.zone)),
            startingDeadline: row.deadline, concurrencyPolicy: row.policy, suspended: row.suspend)
        #expect(decision.action == row.action)
        #expect(decision.recheckAt.map { T.milliseconds($0.timeIntervalSince(row.now)) } == row.delay.map(T.milliseconds))
        #expect(decision.tooManyMissed == row.tooManyMissed)
    }

    /// "never ran, not valid schedule, A/F/R" and "never ran, not valid time zone": Kubernetes
    /// warns and does not sync the job again until its spec changes. Here neither gets as far
    /// as a decision: the schedule is refused when parsed, the zone when looked up.
    @Test func anUnparseableScheduleOrUnknownZoneIsRefusedBeforeAnyDecision() {
        #expect(throws: CronParseError.self) { try CronSchedule(parsing: "obvious error schedule") }
        #expect(TimeZone(identifier: "bad timezone") == nil)
    }

    /// Not from Kubernetes' tables: a schedule that parses but never fires is an error of the
    /// sync (Kubernetes' "invalid schedule"), except while the job is suspended, since
    /// Kubernetes checks suspension first.
    @Test func aScheduleThatNeverFiresFailsTheSyncUnlessSuspended() throws {
        let february31 = try CronSchedule(parsing: "59 23 31 2 *")
        let decide = { (suspended: Bool) throws(CronParseError) in
            try CronJobSyncDecision(
                createdAt: T.justBeforeTheHour, lastScheduleTime: nil, activeRuns: [], now: T.justAfterTheHour,
                schedule: february31, timeZone: T.utc, startingDeadline: nil, concurrencyPolicy: .allow, suspended: suspended)
        }
        #expect(throws: CronParseError.self) { try decide(false) }
        #expect(try decide(true) == CronJobSyncDecision(action: .suspended, recheckAt: nil, tooManyMissed: false))
    }

    @Test(arguments: [
        (Action.start(scheduledTime: tenOClock), "the run scheduled for 2016-05-19T10:00:00Z is due"),
        (.skipTooLate(scheduledTime: tenOClock), "the run scheduled for 2016-05-19T10:00:00Z missed its starting deadline"),
        (.skipForbidden(scheduledTime: tenOClock),
         "not starting the run scheduled for 2016-05-19T10:00:00Z: a previous run is still active and the concurrency policy is Forbid"),
        (.suspended, "the job is suspended"),
    ])
    func eachActionGivesItsReason(_ action: Action, _ reason: String) {
        #expect(action.reason == reason)
    }
}
