// Ported from robfig/cron v3 (master), spec_test.go: TestActivation, TestNext, TestNextWithTz.
// Rows keep the Go inputs and expected outputs; the conversions are:
// - TestNext uses a parser with a seconds field. Its rows whose seconds field is `0` are ported
//   with that field dropped (`0 0/15 * * * *` becomes `0/15 * * * *`); the six rows with a
//   seconds field of `15/35` are left out, since a 5-field schedule cannot express them:
//     "Mon Jul 9 23:35:51 2012" with "15/35 20-35/15 * * * *", "15/35 20-35/15 1/2 * * *",
//     "15/35 20-35/15 10-12 * * *", "15/35 20-35/15 1/2 */2 * *", "15/35 20-35/15 * 9-20 * *",
//     "15/35 20-35/15 * 9-20 Jul *".
// - A `TZ=` or `CRON_TZ=` prefix on the spec (which Kubernetes refuses; it has `timeZone`)
//   becomes the row's zone, as does a `TZ=` prefix on the time. Those are the same rows seen
//   from two sides in Go, so some rows repeat with a different `source`.
// - Rows robfig runs in `time.Local` run in UTC here; TestNextWithTz's `+0530` times run in
//   a fixed +05:30 zone, which is what Go's parse gives them.
import Foundation
import Testing
import AICoreSchedule

@Suite struct CronScheduleNextTests {
    struct ActivationRow: Sendable, CustomTestStringConvertible {
        let time: String
        let spec: String
        let expected: Bool
        var testDescription: String { "\(spec) \(expected ? "fires" : "does not fire") at \(time)" }
    }

    /// TestActivation: a schedule fires at a time when the next activation after the second
    /// before it is that time.
    static let activations: [ActivationRow] = [
        // Every fifteen minutes.
        .init(time: "Mon Jul 9 15:00 2012", spec: "0/15 * * * *", expected: true),
        .init(time: "Mon Jul 9 15:45 2012", spec: "0/15 * * * *", expected: true),
        .init(time: "Mon Jul 9 15:40 2012", spec: "0/15 * * * *", expected: false),
        // Every fifteen minutes, starting at 5 minutes.
        .init(time: "Mon Jul 9 15:05 2012", spec: "5/15 * * * *", expected: true),
        .init(time: "Mon Jul 9 15:20 2012", spec: "5/15 * * * *", expected: true),
        .init(time: "Mon Jul 9 15:50 2012", spec: "5/15 * * * *", expected: true),
        // Named months.
        .init(time: "Sun Jul 15 15:00 2012", spec: "0/15 * * Jul *", expected: true),
        .init(time: "Sun Jul 15 15:00 2012", spec: "0/15 * * Jun *", expected: false),
        // Everything set.
        .init(time: "Sun Jul 15 08:30 2012", spec: "30 08 ? Jul Sun", expected: true),
        .init(time: "Sun Jul 15 08:30 2012", spec: "30 08 15 Jul ?", expected: true),
        .init(time: "Mon Jul 16 08:30 2012", spec: "30 08 ? Jul Sun", expected: false),
        .init(time: "Mon Jul 16 08:30 2012", spec: "30 08 15 Jul ?", expected: false),
        // Predefined schedules.
        .init(time: "Mon Jul 9 15:00 2012", spec: "@hourly", expected: true),
        .init(time: "Mon Jul 9 15:04 2012", spec: "@hourly", expected: false),
        .init(time: "Mon Jul 9 15:00 2012", spec: "@daily", expected: false),
        .init(time: "Mon Jul 9 00:00 2012", spec: "@daily", expected: true),
        .init(time: "Mon Jul 9 00:00 2012", spec: "@weekly", expected: false),
        .init(time: "Sun Jul 8 00:00 2012", spec: "@weekly", expected: true),
        .init(time: "Sun Jul 8 01:00 2012", spec: "@weekly", expected: false),
        .init(time: "Sun Jul 8 00:00 2012", spec: "@monthly", expected: false),
        .init(time: "Sun Jul 1 00:00 2012", spec: "@monthly", expected: true),
        // Both day fields restricted: either may match.
        .init(time: "Sun Jul 15 00:00 2012", spec: "* * 1,15 * Sun", expected: true),
        .init(time: "Fri Jun 15 00:00 2012", spec: "* * 1,15 * Sun", expected: true),
        .init(time: "Wed Aug 1 00:00 2012", spec: "* * 1,15 * Sun", expected: true),
        .init(time: "Sun Jul 15 00:00 2012", spec: "* * */10 * Sun", expected: true),  // robfig/cron#70
        // One day field a wildcard: the other alone decides.
        .init(time: "Sun Jul 15 00:00 2012", spec: "* * * * Mon", expected: false),
        .init(time: "Mon Jul 9 00:00 2012", spec: "* * 1,15 * *", expected: false),
        .init(time: "Sun Jul 15 00:00 2012", spec: "* * 1,15 * *", expected: true),
        .init(time: "Sun Jul 15 00:00 2012", spec: "* * */2 * Sun", expected: true),
    ]

    @Test(arguments: activations)
    func aScheduleFiresExactlyAtTheTimesItNames(_ row: ActivationRow) throws {
        let schedule = try CronSchedule(parsing: row.spec)
        let time = try #require(GoTimeText.instant(row.time))
        let next = schedule.next(after: time.addingTimeInterval(-1), in: RowZone.local.timeZone)
        #expect((next == time) == row.expected)
    }

    struct NextRow: Sendable, CustomTestStringConvertible {
        let time: String
        let spec: String
        let zone: RowZone
        let expected: String
        /// Which Go row this is where two Go rows become the same row here.
        var source = ""
        var testDescription: String {
            "\(spec) after \(time) in \(zone) is \(expected.isEmpty ? "never" : expected)\(source.isEmpty ? "" : " [\(source)]")"
        }
    }

    static let newYork = RowZone.named("America/New_York")

    /// TestNext: the next activation strictly after a time.
    static let nextActivations: [NextRow] = [
        // Simple cases.
        .init(time: "Mon Jul 9 14:45 2012", spec: "0/15 * * * *", zone: .local, expected: "Mon Jul 9 15:00 2012"),
        .init(time: "Mon Jul 9 14:59 2012", spec: "0/15 * * * *", zone: .local, expected: "Mon Jul 9 15:00 2012"),
        .init(time: "Mon Jul 9 14:59:59 2012", spec: "0/15 * * * *", zone: .local, expected: "Mon Jul 9 15:00 2012"),
        // Wrap around hours.
        .init(time: "Mon Jul 9 15:45 2012", spec: "20-35/15 * * * *", zone: .local, expected: "Mon Jul 9 16:20 2012"),
        // Wrap around days.
        .init(time: "Mon Jul 9 23:46 2012", spec: "*/15 * * * *", zone: .local, expected: "Tue Jul 10 00:00 2012"),
        .init(time: "Mon Jul 9 23:45 2012", spec: "20-35/15 * * * *", zone: .local, expected: "Tue Jul 10 00:20 2012"),
        // Wrap around months.
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 9 Apr-Oct ?", zone: .local, expected: "Thu Aug 9 00:00 2012"),
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 */5 Apr,Aug,Oct Mon", zone: .local, expected: "Tue Aug 1 00:00 2012"),
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 */5 Oct Mon", zone: .local, expected: "Mon Oct 1 00:00 2012"),
        // Wrap around years.
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 * Feb Mon", zone: .local, expected: "Mon Feb 4 00:00 2013"),
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 * Feb Mon/2", zone: .local, expected: "Fri Feb 1 00:00 2013"),
        // Wrap around minute, hour, day, month and year.
        .init(time: "Mon Dec 31 23:59:45 2012", spec: "* * * * *", zone: .local, expected: "Tue Jan 1 00:00:00 2013"),
        // Leap year.
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 29 Feb ?", zone: .local, expected: "Mon Feb 29 00:00 2016"),

        // Spring forward, 2am EST (-5) -> 3am EDT (-4): 02:30 does not exist on 11 March 2012.
        .init(time: "2012-03-11T00:00:00-0500", spec: "30 2 11 Mar ?", zone: newYork, expected: "2013-03-11T02:30:00-0400"),
        // Hourly job.
        .init(time: "2012-03-11T00:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T01:00:00-0500", source: "TZ="),
        .init(time: "2012-03-11T01:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T03:00:00-0400", source: "TZ="),
        .init(time: "2012-03-11T03:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T04:00:00-0400", source: "TZ="),
        .init(time: "2012-03-11T04:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T05:00:00-0400", source: "TZ="),
        // Hourly job, zone given by CRON_TZ.
        .init(time: "2012-03-11T00:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T01:00:00-0500", source: "CRON_TZ="),
        .init(time: "2012-03-11T01:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T03:00:00-0400", source: "CRON_TZ="),
        .init(time: "2012-03-11T03:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T04:00:00-0400", source: "CRON_TZ="),
        .init(time: "2012-03-11T04:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-03-11T05:00:00-0400", source: "CRON_TZ="),
        // 1am nightly job.
        .init(time: "2012-03-11T00:00:00-0500", spec: "0 1 * * ?", zone: newYork, expected: "2012-03-11T01:00:00-0500"),
        .init(time: "2012-03-11T01:00:00-0500", spec: "0 1 * * ?", zone: newYork, expected: "2012-03-12T01:00:00-0400"),
        // 2am nightly job: skipped on the day 2am does not exist.
        .init(time: "2012-03-11T00:00:00-0500", spec: "0 2 * * ?", zone: newYork, expected: "2012-03-12T02:00:00-0400"),

        // Fall back, 2am EDT (-4) -> 1am EST (-5): 01:00-01:59 happen twice on 4 November 2012.
        .init(time: "2012-11-04T00:00:00-0400", spec: "30 2 04 Nov ?", zone: newYork, expected: "2012-11-04T02:30:00-0500"),
        .init(time: "2012-11-04T01:45:00-0400", spec: "30 1 04 Nov ?", zone: newYork, expected: "2012-11-04T01:30:00-0500"),
        // Hourly job.
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0400", source: "TZ= on spec"),
        .init(time: "2012-11-04T01:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0500", source: "TZ= on spec"),
        .init(time: "2012-11-04T01:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T02:00:00-0500", source: "TZ= on spec"),
        // 1am nightly job (runs twice).
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0400", source: "TZ= on spec"),
        .init(time: "2012-11-04T01:00:00-0400", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0500", source: "TZ= on spec"),
        .init(time: "2012-11-04T01:00:00-0500", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-05T01:00:00-0500", source: "TZ= on spec"),
        // 2am nightly job.
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 2 * * ?", zone: newYork, expected: "2012-11-04T02:00:00-0500", source: "TZ= on spec"),
        .init(time: "2012-11-04T02:00:00-0500", spec: "0 2 * * ?", zone: newYork, expected: "2012-11-05T02:00:00-0500", source: "TZ= on spec"),
        // 3am nightly job.
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 3 * * ?", zone: newYork, expected: "2012-11-04T03:00:00-0500", source: "TZ= on spec"),
        .init(time: "2012-11-04T03:00:00-0500", spec: "0 3 * * ?", zone: newYork, expected: "2012-11-05T03:00:00-0500", source: "TZ= on spec"),
        // The same rows with the zone on the time instead (Go: a schedule in time.Local runs in the time's zone).
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0400", source: "TZ= on time"),
        .init(time: "2012-11-04T01:00:00-0400", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T01:00:00-0500", spec: "0 * * * ?", zone: newYork, expected: "2012-11-04T02:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0400", source: "TZ= on time"),
        .init(time: "2012-11-04T01:00:00-0400", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-04T01:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T01:00:00-0500", spec: "0 1 * * ?", zone: newYork, expected: "2012-11-05T01:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 2 * * ?", zone: newYork, expected: "2012-11-04T02:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T02:00:00-0500", spec: "0 2 * * ?", zone: newYork, expected: "2012-11-05T02:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 3 * * ?", zone: newYork, expected: "2012-11-04T03:00:00-0500", source: "TZ= on time"),
        .init(time: "2012-11-04T03:00:00-0500", spec: "0 3 * * ?", zone: newYork, expected: "2012-11-05T03:00:00-0500", source: "TZ= on time"),

        // Unsatisfiable: no activation within five years.
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 30 Feb ?", zone: .local, expected: ""),
        .init(time: "Mon Jul 9 23:35 2012", spec: "0 0 31 Apr ?", zone: .local, expected: ""),
        // Monthly job.
        .init(time: "2012-11-04T00:00:00-0400", spec: "0 3 3 * ?", zone: newYork, expected: "2012-12-03T03:00:00-0500"),
        // Midnight skipped by DST (robfig/cron#157): São Paulo went from 00:00 to 01:00.
        .init(time: "2018-10-17T05:00:00-0400", spec: "0 9 10 * ?", zone: .named("America/Sao_Paulo"), expected: "2018-11-10T06:00:00-0500"),
        .init(time: "2018-02-14T05:00:00-0500", spec: "0 9 22 * ?", zone: .named("America/Sao_Paulo"), expected: "2018-02-22T07:00:00-0500"),
    ]

    /// TestNextWithTz: times given with an offset of +05:30 and no named zone.
    static let fixedOffsetActivations: [NextRow] = [
        .init(time: "2016-01-03T13:09:03+0530", spec: "14 14 * * *", zone: .fixed(seconds: 19_800), expected: "2016-01-03T14:14:00+0530"),
        .init(time: "2016-01-03T04:09:03+0530", spec: "14 14 * * ?", zone: .fixed(seconds: 19_800), expected: "2016-01-03T14:14:00+0530"),
        .init(time: "2016-01-03T14:09:03+0530", spec: "14 14 * * *", zone: .fixed(seconds: 19_800), expected: "2016-01-03T14:14:00+0530"),
        .init(time: "2016-01-03T14:00:00+0530", spec: "14 14 * * ?", zone: .fixed(seconds: 19_800), expected: "2016-01-03T14:14:00+0530"),
    ]

    @Test(arguments: nextActivations + fixedOffsetActivations)
    func theNextActivationIsTheFirstMatchingWallTimeAfterTheGivenTime(_ row: NextRow) throws {
        let schedule = try CronSchedule(parsing: row.spec)
        let time = try #require(GoTimeText.instant(row.time))
        #expect(schedule.next(after: time, in: row.zone.timeZone) == GoTimeText.instant(row.expected))
    }

    /// Not from robfig's tables: rows derived by following robfig/cron's search and Go's
    /// `time.Date` by hand, for what its New York rows leave open. In zones ahead of UTC a
    /// repeated time runs at both offsets too; where midnight is skipped (Beirut, whose clocks
    /// went from 00:00 to 01:00 on 28 March 2021) a schedule restricted to that day of the
    /// month misses it: stepping onto the day lands at 01:00, which robfig pulls back to 23:00
    /// the day before, and the next step is already the 29th. Kubernetes skips that day, a year
    /// on to the next 28 March; so does this.
    static let ownActivations: [NextRow] = [
        .init(time: "2021-03-28T00:00:00+0100", spec: "30 2 * * *", zone: .named("Europe/Berlin"), expected: "2021-03-29T02:30:00+0200"),
        .init(time: "2021-03-28T01:00:00+0100", spec: "0 * * * *", zone: .named("Europe/Berlin"), expected: "2021-03-28T03:00:00+0200"),
        .init(time: "2021-10-31T00:00:00+0200", spec: "30 2 * * *", zone: .named("Europe/Berlin"), expected: "2021-10-31T02:30:00+0200"),
        .init(time: "2021-10-31T02:30:00+0200", spec: "30 2 * * *", zone: .named("Europe/Berlin"), expected: "2021-10-31T02:30:00+0100"),
        .init(time: "2021-10-31T02:30:00+0100", spec: "30 2 * * *", zone: .named("Europe/Berlin"), expected: "2021-11-01T02:30:00+0100"),
        .init(time: "2021-03-20T12:00:00+0200", spec: "0 9 28 3 *", zone: .named("Asia/Beirut"), expected: "2022-03-28T09:00:00+0300"),
        .init(time: "2021-03-27T12:00:00+0200", spec: "0 9 * * *", zone: .named("Asia/Beirut"), expected: "2021-03-28T09:00:00+0300"),
        // `1-31` restricts the day of the month (all days allowed), so Monday is an alternative, not a
        // condition: every day. `*` does not restrict, so Monday decides.
        .init(time: "Mon Jul 10 12:00 2012", spec: "0 0 1-31 * Mon", zone: .local, expected: "Wed Jul 11 00:00 2012"),
        .init(time: "Mon Jul 10 12:00 2012", spec: "0 0 * * Mon", zone: .local, expected: "Mon Jul 16 00:00 2012"),
        // The search gives up after the fifth calendar year from the start: 2100 is no leap year,
        // so from March 2096 the next 29 February (2104) is too far, and from March 2099 it is not.
        .init(time: "2096-03-01T00:00:00+0000", spec: "0 0 29 Feb ?", zone: .local, expected: ""),
        .init(time: "2099-03-01T00:00:00+0000", spec: "0 0 29 Feb ?", zone: .local, expected: "2104-02-29T00:00:00+0000"),
    ]

    @Test(arguments: ownActivations)
    func daylightSavingAndDayRulesFollowRobfigCron(_ row: NextRow) throws {
        let schedule = try CronSchedule(parsing: row.spec)
        let time = try #require(GoTimeText.instant(row.time))
        #expect(schedule.next(after: time, in: row.zone.timeZone) == GoTimeText.instant(row.expected))
    }

    @Test func theSearchStartsAfterTheGivenInstantEvenWithinASecond() throws {
        let schedule = try CronSchedule(parsing: "0/15 * * * *")
        let utc = RowZone.local.timeZone
        let quarter = try #require(GoTimeText.instant("Mon Jul 9 15:00 2012"))
        #expect(schedule.next(after: quarter.addingTimeInterval(-0.5), in: utc) == quarter)
        #expect(schedule.next(after: quarter, in: utc) == quarter.addingTimeInterval(15 * 60))
        #expect(schedule.next(after: quarter.addingTimeInterval(0.25), in: utc) == quarter.addingTimeInterval(15 * 60))
    }
}
