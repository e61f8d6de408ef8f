// Ported from Kubernetes (kubernetes/kubernetes, pkg/controller/cronjob/utils_test.go):
// TestMostRecentScheduleTime, all 13 rows, with their Go names. Conversions:
// - "@every schedule" uses `@every 1h`, which Kubernetes accepts and this parser refuses. Its
//   row counts from a last scheduled time of 10:01, and from there `@every 1h` fires at minute 1
//   of every hour, so the row is ported with `1 * * * *`, which fires at the same instants.
// - Go checks that the rogue schedule's error exists; this row also checks it is a whole-schedule
//   error (no field), since the schedule parses.
// Left out: nothing.
import Foundation
import Testing
import AICoreSchedule

@Suite struct CronJobTimingTests {
    typealias T = KubernetesCronJobTimes

    struct MostRecentRow: Sendable, CustomTestStringConvertible {
        let name: String
        let schedule: String
        let createdAt: Date
        var lastScheduleTime: Date? = nil
        var startingDeadline: TimeInterval? = nil
        var includeStartingDeadline = false
        let now: Date
        /// Nil for a row that expects an error.
        var earliest: Date? = nil
        var mostRecent: Date? = nil
        var missed: MissedSchedules = .none
        var testDescription: String { name }
    }

    /// Which activation is due, counted from the last scheduled time (else the creation time),
    /// and how many went by; Kubernetes' estimate included.
    static let mostRecentRows: [MostRecentRow] = [
        .init(name: "now before next schedule",
              schedule: "0 * * * *", createdAt: T.topOfTheHour, now: T.afterTheHour(30 * T.second),
              earliest: T.topOfTheHour, mostRecent: nil),
        .init(name: "now just after next schedule",
              schedule: "0 * * * *", createdAt: T.topOfTheHour, now: T.afterTheHour(61 * T.minute),
              earliest: T.topOfTheHour, mostRecent: T.afterTheHour(60 * T.minute)),
        .init(name: "missed 5 schedules",
              schedule: "0 * * * *", createdAt: T.afterTheHour(10 * T.second), now: T.afterTheHour(301 * T.minute),
              earliest: T.afterTheHour(10 * T.second), mostRecent: T.afterTheHour(300 * T.minute), missed: .few),
        .init(name: "complex schedule",
              schedule: "30 6-16/4 * * 1-5", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(24 * T.hour + 31 * T.minute),
              earliest: T.afterTheHour(30 * T.minute), mostRecent: T.afterTheHour(24 * T.hour + 30 * T.minute), missed: .few),
        // Friday 16:30, counted from Thursday 10:30: 11:30 and 12:30 are an hour apart, so the
        // estimate walks from Friday 15:30, past Friday's 12:30, and finds nothing.
        .init(name: "another complex schedule",
              schedule: "30 10,11,12 * * 1-5", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(30 * T.hour + 30 * T.minute),
              earliest: T.afterTheHour(30 * T.minute), mostRecent: nil, missed: .few),
        .init(name: "complex schedule with longer diff between executions",
              schedule: "30 6-16/4 * * 1-5", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(96 * T.hour + 31 * T.minute),
              earliest: T.afterTheHour(30 * T.minute), mostRecent: T.afterTheHour(96 * T.hour + 30 * T.minute), missed: .few),
        .init(name: "complex schedule with shorter diff between executions",
              schedule: "30 6-16/4 * * 1-5", createdAt: T.topOfTheHour, now: T.afterTheHour(24 * T.hour + 31 * T.minute),
              earliest: T.topOfTheHour, mostRecent: T.afterTheHour(24 * T.hour + 30 * T.minute), missed: .few),
        .init(name: "@every schedule (as 1 * * * *)",
              schedule: "1 * * * *", createdAt: T.afterTheHour(-59 * T.minute), lastScheduleTime: T.afterTheHour(T.minute),
              startingDeadline: 10, now: T.afterTheHour(7 * T.day),
              earliest: T.afterTheHour(T.minute), mostRecent: T.afterTheHour(6 * T.day + 23 * T.hour + T.minute), missed: .many),
        .init(name: "rogue cronjob",
              schedule: "59 23 31 2 *", createdAt: T.afterTheHour(10 * T.second), now: T.afterTheHour(T.hour),
              earliest: nil),
        .init(name: "earliestTime being CreationTimestamp and LastScheduleTime",
              schedule: "0 * * * *", createdAt: T.topOfTheHour, lastScheduleTime: T.topOfTheHour, now: T.afterTheHour(30 * T.second),
              earliest: T.topOfTheHour, mostRecent: nil),
        .init(name: "earliestTime being LastScheduleTime",
              schedule: "*/5 * * * *", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              now: T.afterTheHour(31 * T.minute),
              earliest: T.afterTheHour(30 * T.minute), mostRecent: nil),
        .init(name: "earliestTime being LastScheduleTime (within StartingDeadlineSeconds)",
              schedule: "*/5 * * * *", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              startingDeadline: 60, now: T.afterTheHour(31 * T.minute),
              earliest: T.afterTheHour(30 * T.minute), mostRecent: nil),
        .init(name: "earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)",
              schedule: "*/5 * * * *", createdAt: T.topOfTheHour, lastScheduleTime: T.afterTheHour(30 * T.minute),
              startingDeadline: 60, includeStartingDeadline: true, now: T.afterTheHour(32 * T.minute),
              earliest: T.afterTheHour(31 * T.minute), mostRecent: nil),
    ]

    @Test(arguments: mostRecentRows)
    func theMostRecentActivationIsCountedFromTheLastScheduledTime(_ row: MostRecentRow) throws {
        let schedule = try CronSchedule(parsing: row.schedule)
        let find = { () throws(CronParseError) -> MostRecentSchedule in
            try CronJobTiming.mostRecentScheduleTime(
                createdAt: row.createdAt, lastScheduleTime: row.lastScheduleTime, now: row.now,
                schedule: schedule, timeZone: T.utc,
                startingDeadline: row.startingDeadline, includeStartingDeadline: row.includeStartingDeadline)
        }
        guard let earliest = row.earliest else {
            let error = #expect(throws: CronParseError.self) { try find() }
            #expect(error?.field == nil)
            return
        }
        #expect(try find() == MostRecentSchedule(earliest: earliest, mostRecent: row.mostRecent, missed: row.missed))
    }

    /// Not from Kubernetes' tables: the rule's edges, which the rows above pass near but not on.
    @Test func anActivationExactlyAtNowIsDueAndMoreThanAHundredMissedAreMany() throws {
        let hourly = try CronSchedule(parsing: "0 * * * *")
        let due = try CronJobTiming.mostRecentScheduleTime(
            createdAt: T.topOfTheHour, lastScheduleTime: nil, now: T.afterTheHour(T.hour),
            schedule: hourly, timeZone: T.utc, startingDeadline: nil, includeStartingDeadline: false)
        #expect(due.mostRecent == T.afterTheHour(T.hour))
        #expect(due.missed == .none)

        // From 10:00, the 100th hourly activation is at 10:00 four days and four hours later:
        // exactly 100 is still `few`, the 101st makes `many`.
        for (count, missed) in [(100, MissedSchedules.few), (101, .many)] {
            let recent = try CronJobTiming.mostRecentScheduleTime(
                createdAt: T.topOfTheHour, lastScheduleTime: nil, now: T.afterTheHour(TimeInterval(count) * T.hour),
                schedule: hourly, timeZone: T.utc, startingDeadline: nil, includeStartingDeadline: false)
            #expect(recent.missed == missed, "\(count) missed")
            #expect(recent.mostRecent == T.afterTheHour(TimeInterval(count) * T.hour))
        }
    }
}
