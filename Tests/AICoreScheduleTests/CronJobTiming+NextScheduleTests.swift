// Ported from Kubernetes (kubernetes/kubernetes, pkg/controller/cronjob):
// - utils_test.go TestNextScheduleTime: all 8 cases. Go runs them in sequence on one CronJob it
//   keeps changing; each row here states the whole job as that case sees it (case 3's last
//   scheduled time carries into 4; case 7's deadline carries into 8). Cases 6 and 7 only check
//   that some time is due; the rows also state which (the activation at `now`) and the grade.
// - utils_test.go TestNextScheduleTimeDuration: all 4 rows.
// - cronjob_controllerv2_test.go TestControllerV2UpdateCronJob: the 3 rows whose delay comes from
//   the schedule (the re-queue after a schedule change is `recheckDelay` at the controller's
//   `now`, 09:59:59). `@every 1m` and `@every 3m`, counted from a last scheduled time of 09:59,
//   fire at the same instants as `* * * * *` and `2/3 * * * *`, which the rows use instead.
//   Left out: the 3 rows with a zero delay (a template or time-zone change re-queues at once;
//   that is event handling, not arithmetic).
import Foundation
import Testing
import AICoreSchedule

@Suite struct CronJobTimingNextScheduleTests {
    typealias T = KubernetesCronJobTimes

    struct DueRow: Sendable, CustomTestStringConvertible {
        let name: String
        var schedule = "0 * * * ?"
        let createdAt: Date
        var lastScheduleTime: Date? = nil
        var startingDeadline: TimeInterval? = nil
        let now: Date
        var due: DueActivation? = nil
        var throwsError = false
        var testDescription: String { name }
    }

    /// T1 and T2 of the Go test: two consecutive activations of the hourly schedule.
    static let t1 = T.topOfTheHour
    static let t2 = T.afterTheHour(T.hour)

    /// What is due now, if anything: never an activation older than the starting deadline.
    static let dueRows: [DueRow] = [
        .init(name: "Case 1: no known start times, and none needed yet",
              createdAt: t1.addingTimeInterval(-10 * T.minute), now: t1.addingTimeInterval(-7 * T.minute)),
        .init(name: "Case 2: no known start times, and one needed",
              createdAt: t1.addingTimeInterval(-10 * T.minute), now: t1.addingTimeInterval(2 * T.second),
              due: .init(scheduledTime: t1, missed: .none)),
        .init(name: "Case 3: known LastScheduleTime, no start needed",
              createdAt: t1.addingTimeInterval(-10 * T.minute), lastScheduleTime: t1, now: t1.addingTimeInterval(2 * T.minute)),
        .init(name: "Case 4: known LastScheduleTime, a start needed",
              createdAt: t1.addingTimeInterval(-10 * T.minute), lastScheduleTime: t1, now: t2.addingTimeInterval(5 * T.minute),
              due: .init(scheduledTime: t2, missed: .none)),
        .init(name: "Case 5: known LastScheduleTime, two starts needed",
              createdAt: t1.addingTimeInterval(-2 * T.hour), lastScheduleTime: t1.addingTimeInterval(-T.hour),
              now: t2.addingTimeInterval(5 * T.minute),
              due: .init(scheduledTime: t2, missed: .few)),
        .init(name: "Case 6: now is way way ahead of last start time, and there is no deadline",
              createdAt: t1.addingTimeInterval(-2 * T.hour), lastScheduleTime: t1.addingTimeInterval(-T.hour),
              now: t2.addingTimeInterval(10 * T.day),
              due: .init(scheduledTime: t2.addingTimeInterval(10 * T.day), missed: .many)),
        .init(name: "Case 7: now is way way ahead of last start time, but there is a short deadline",
              createdAt: t1.addingTimeInterval(-2 * T.hour), lastScheduleTime: t1.addingTimeInterval(-T.hour),
              startingDeadline: 2 * T.hour, now: t2.addingTimeInterval(10 * T.day),
              due: .init(scheduledTime: t2.addingTimeInterval(10 * T.day), missed: .few)),
        .init(name: "Case 8: ensure the error from mostRecentScheduleTime gets populated up",
              schedule: "59 23 31 2 *", createdAt: t1.addingTimeInterval(10 * T.second), startingDeadline: 2 * T.hour,
              now: T.afterTheHour(T.hour), throwsError: true),
    ]

    @Test(arguments: dueRows)
    func theDueActivationIsTheMostRecentOneWithinTheDeadline(_ row: DueRow) throws {
        let schedule = try CronSchedule(parsing: row.schedule)
        let find = { () throws(CronParseError) -> DueActivation? in
            try CronJobTiming.nextScheduleTime(
                createdAt: row.createdAt, lastScheduleTime: row.lastScheduleTime, now: row.now,
                schedule: schedule, timeZone: T.utc, startingDeadline: row.startingDeadline)
        }
        if row.throwsError {
            #expect(throws: CronParseError.self) { try find() }
        } else {
            #expect(try find() == row.due)
        }
    }

    struct RecheckRow: Sendable, CustomTestStringConvertible {
        let name: String
        let schedule: String
        let createdAt: Date
        var lastScheduleTime: Date? = nil
        let now: Date
        let delay: TimeInterval
        var testDescription: String { name }
    }

    /// When to look again: 100 ms after the activation following the most recent one, or after
    /// `now` where Kubernetes' estimate lost the most recent one.
    static let recheckRows: [RecheckRow] = [
        // TestNextScheduleTimeDuration.
        .init(name: "complex schedule skipping weekend",
              schedule: "30 6-16/4 * * 1-5", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(24 * T.hour + 31 * T.minute), delay: 3 * T.hour + 59 * T.minute + T.delta),
        .init(name: "another complex schedule skipping weekend",
              schedule: "30 10,11,12 * * 1-5", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(30 * T.hour + 30 * T.minute), delay: 66 * T.hour + T.delta),
        .init(name: "once a week cronjob, missed two runs",
              schedule: "0 12 * * 4", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(2 * T.hour),
              now: T.afterTheHour(19 * T.day + T.hour + 30 * T.minute), delay: 48 * T.hour + 30 * T.minute + T.delta),
        .init(name: "no previous run of a cronjob",
              schedule: "0 12 * * 5", createdAt: T.topOfTheHour,
              now: T.afterTheHour(6 * T.hour), delay: 20 * T.hour + T.delta),
        // TestControllerV2UpdateCronJob (creation time unset in Go; the last scheduled time rules).
        .init(name: "spec.schedule changed",
              schedule: "*/1 * * * *", createdAt: .distantPast, lastScheduleTime: T.justBeforeTheHour,
              now: T.justASecondBeforeTheHour, delay: T.second + T.delta),
        .init(name: "spec.schedule with @every changed - cadence decrease (@every 3m as 2/3 * * * *)",
              schedule: "2/3 * * * *", createdAt: .distantPast, lastScheduleTime: T.justBeforeTheHour,
              now: T.justASecondBeforeTheHour, delay: 2 * T.minute + T.second + T.delta),
        .init(name: "spec.schedule with @every changed - cadence increase (@every 1m as * * * * *)",
              schedule: "* * * * *", createdAt: .distantPast, lastScheduleTime: T.justBeforeTheHour,
              now: T.justASecondBeforeTheHour, delay: T.second + T.delta),
    ]

    @Test(arguments: recheckRows)
    func theControllerLooksAgainJustAfterTheNextActivation(_ row: RecheckRow) throws {
        let schedule = try CronSchedule(parsing: row.schedule)
        let delay = try #require(CronJobTiming.recheckDelay(
            createdAt: row.createdAt, lastScheduleTime: row.lastScheduleTime, now: row.now,
            schedule: schedule, timeZone: T.utc))
        #expect(T.milliseconds(delay) == T.milliseconds(row.delay))
    }

    /// Not from Kubernetes' tables: where Go would re-queue at once with a negative delay (the
    /// schedule never fires again), there is no re-check at all.
    @Test func aScheduleThatNeverFiresHasNoRecheck() throws {
        let february31 = try CronSchedule(parsing: "59 23 31 2 *")
        #expect(CronJobTiming.recheckTime(
            createdAt: T.topOfTheHour, lastScheduleTime: nil, now: T.afterTheHour(T.hour),
            schedule: february31, timeZone: T.utc) == nil)
    }
}
