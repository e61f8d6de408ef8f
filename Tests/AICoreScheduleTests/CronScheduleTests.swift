// Ported from robfig/cron v3 (master): parser_test.go TestParseSchedule, TestStandardSpecSchedule,
// TestParseScheduleErrors, TestNormalizeFields_Errors, TestNoDescriptorParser; spec_test.go
// TestErrors and TestSlash0NoHang. Go checks a fragment of its own message; rows here expect
// this parser's whole message. Conversions and omissions:
// - Seconds: `0 5 * * * *` (seconds parser) becomes `5 * * * *`; `* 5 j * * *` becomes
//   `5 j * * *`. Left out: `* 5 * * * *` (every second of minute 5; no 5-field equivalent).
// - `TZ=`/`CRON_TZ=` prefixes and `@every` are refused here, as Kubernetes refuses them, so
//   those rows expect that refusal (and what follows a prefix is parsed by its own row).
// - `* * * *` gives "expected 5 to 6 fields" for robfig's seconds parser; here it is the
//   standard parser's count message.
// - Left out: TestOptionalSecondSchedule and TestNormalizeFields (optional-seconds and
//   subset-of-fields parsers, which the standard parser is not); TestNormalizeFields_Errors'
//   inputs are kept and judged against the standard parser's five fields; TestNoDescriptorParser
//   (a parser without descriptors) keeps its input, `@every 1m`, refused here for another reason.
import Testing
@testable import AICoreSchedule

@Suite struct CronScheduleTests {
    struct ParseRow: Sendable, CustomTestStringConvertible {
        let text: String
        let fields: [CronField]
        var testDescription: String { text }
    }

    static let every5Minutes: [CronField] = [.only(5), .all(.hour), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]
    static let midnight: [CronField] = [.only(0), .only(0), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]
    static let annual: [CronField] = [.only(0), .only(0), .only(1), .only(1), .all(.dayOfWeek)]

    /// TestParseSchedule and TestStandardSpecSchedule: what a schedule allows, field by field.
    static let parsed: [ParseRow] = [
        .init(text: "5 * * * *", fields: every5Minutes),  // also Go's `0 5 * * * *` (seconds)
        .init(text: "@midnight", fields: midnight),
        .init(text: "@yearly", fields: annual),
        .init(text: "@annually", fields: annual),
    ]

    @Test(arguments: parsed)
    func aScheduleAllowsWhatEachOfItsFieldsNames(_ row: ParseRow) throws {
        let schedule = try CronSchedule(parsing: row.text)
        #expect([schedule.minutes, schedule.hours, schedule.daysOfMonth, schedule.months, schedule.daysOfWeek] == row.fields)
        #expect(schedule.text == row.text)
    }

    static let prefix = "cannot be used in the schedule; set the time zone with time_zone instead"
    static let every = "@every is not supported; write the interval as 5 fields, e.g. */5 * * * * for every 5 minutes"
    static let descriptors = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
    static let fieldCount = "expected 5 fields (minute hour day-of-month month day-of-week), found"

    /// Go rows that fail to parse (or that Kubernetes refuses), with the message a stack file's author sees.
    @Test(arguments: [
        // TestParseSchedule rows Kubernetes refuses.
        ("CRON_TZ=UTC  0 5 * * * *", "CRON_TZ= \(prefix)"),
        ("CRON_TZ=UTC  5 * * * *", "CRON_TZ= \(prefix)"),
        ("CRON_TZ=Asia/Tokyo 0 5 * * * *", "CRON_TZ= \(prefix)"),
        ("TZ=UTC  @midnight", "TZ= \(prefix)"),
        ("TZ=Asia/Tokyo @midnight", "TZ= \(prefix)"),
        ("@every 5m", every),
        // TestStandardSpecSchedule.
        ("5 j * * *", "hour: \"j\" is not a number from 0 to 23"),
        ("* * * *", "\(fieldCount) 4"),
        // TestParseScheduleErrors (`* 5 j * * *` without its seconds field).
        ("5 j * * *", "hour: \"j\" is not a number from 0 to 23"),
        ("@every Xm", every),
        ("@unrecognized", "unknown descriptor @unrecognized; expected one of \(descriptors)"),
        ("", "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily"),
        // TestNormalizeFields_Errors' inputs: TwoOptionals, TooManyFields, NoFields, TooFewFields.
        ("0 5 * * * *", "\(fieldCount) 6"),
        ("0 5 * *", "\(fieldCount) 4"),
        (" ", "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily"),
        ("*", "\(fieldCount) 1"),
        // TestNoDescriptorParser.
        ("@every 1m", every),
        // TestErrors.
        ("xyz", "\(fieldCount) 1"),
        ("60 0 * * *", "minute: 60 is out of range 0-59"),
        ("0 60 * * *", "hour: 60 is out of range 0-23"),
        ("0 0 * * XYZ", "day-of-week: \"XYZ\" is not a number from 0 to 6 or a weekday name (SUN-SAT)"),
        // TestSlash0NoHang, with and without its prefix.
        ("TZ=America/New_York 15/0 * * * *", "TZ= \(prefix)"),
        ("15/0 * * * *", "minute: step 0 in 15/0 must be a positive number, as in */15"),
    ])
    func aScheduleGoRefusesIsRefusedWithAMessageForItsAuthor(_ text: String, _ message: String) {
        do {
            let schedule = try CronSchedule(parsing: text)
            Issue.record("\(text) parsed as \(schedule)")
        } catch {
            #expect(error.description == message)
        }
    }

    /// Not from robfig's tables: each field's own message names the field and what it accepts.
    @Test(arguments: [
        ("0 24 * * *", "hour: 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month: 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month: 32 is out of range 1-31"),
        ("0 0 * 0 *", "month: 0 is out of range 1-12"),
        ("0 0 * 13 *", "month: 13 is out of range 1-12"),
        ("0 0 * January *", "month: \"January\" is not a number from 1 to 12 or a month name (JAN-DEC)"),
        ("0 0 * * 7", "day-of-week: 7 is out of range 0-6 (Sunday is 0 or SUN)"),
        ("0 0 * * 1-7", "day-of-week: 7 in 1-7 is out of range 0-6 (Sunday is 0 or SUN)"),
        ("30-70 * * * *", "minute: 70 in 30-70 is out of range 0-59"),
        ("99999999999999999999 * * * *", "minute: 99999999999999999999 is out of range 0-59"),
        ("0 0 20-10 * *", "day-of-month: range 20-10 starts after it ends; expected the smaller value first"),
        ("? * * * *", "minute: ? is allowed only in day-of-month and day-of-week; use * here"),
        ("0 ? * * *", "hour: ? is allowed only in day-of-month and day-of-week; use * here"),
        ("*-5 * * * *", "minute: * cannot be part of a range in *-5; write * alone or a range such as 1-5"),
        ("1,,2 * * * *", "minute: empty item in the list 1,,2; expected values separated by single commas"),
        ("0 0 * * ,", "day-of-week: empty item in the list ,; expected values separated by single commas"),
        ("5- * * * *", "minute: missing value in 5-; expected a number from 0 to 59"),
        ("-5 * * * *", "minute: missing value in -5; expected a number from 0 to 59"),
        ("+5 * * * *", "minute: \"+5\" is not a number from 0 to 59"),
        ("*/ * * * *", "minute: missing step in */ must be a positive number, as in */15"),
        ("*/x * * * *", "minute: step x in */x must be a positive number, as in */15"),
        ("0 0 * */jan *", "month: step jan in */jan must be a positive number, as in */15"),
        ("@reboot", "@reboot is not supported in a schedule; expected 5 fields or one of \(descriptors)"),
        ("@Daily", "unknown descriptor @Daily; expected one of \(descriptors)"),
        ("@daily 0", "@daily stands alone; found more after it"),
        ("@every", every),
        ("CRON_TZ=Europe/Berlin 0 3 * * *", "CRON_TZ= \(prefix)"),
    ])
    func aMistakeIsReportedWithTheFieldAndWhatItAccepts(_ text: String, _ message: String) {
        do {
            let schedule = try CronSchedule(parsing: text)
            Issue.record("\(text) parsed as \(schedule)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func theMessageNamesTheFieldOnlyWhenOneIsAtFault() {
        #expect(CronParseError(field: .dayOfMonth, message: "32 is out of range 1-31").description == "day-of-month: 32 is out of range 1-31")
        #expect(CronParseError(field: nil, message: "the schedule is empty").description == "the schedule is empty")
        #expect(CronScheduleField.allCases.map(\.name) == ["minute", "hour", "day-of-month", "month", "day-of-week"])
    }

    /// Not from robfig's tables: syntax robfig/cron (and so Kubernetes) accepts.
    @Test(arguments: [
        ("0 0 * jan,FEB,Mar sun-SAT", [.only(0), .only(0), .all(.dayOfMonth), .init(bits: 0b1110), .init(bits: 0x7f)]),
        ("0 0 ? * ?", [.only(0), .only(0), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]),
        ("*/1 0 * * *", [.all(.minute), .only(0), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]),
        ("55/2 22-23/1 1-31 * 0", [.init(bits: 1 << 55 | 1 << 57 | 1 << 59), .init(bits: 3 << 22), .init(bits: 0xffff_fffe), .all(.month), .only(0)]),
        ("0 0 * * Mon/2", [.only(0), .only(0), .all(.dayOfMonth), .all(.month), .init(bits: 1 << 1 | 1 << 3 | 1 << 5)]),
        ("*/2,* 0 * * *", [.init(bits: CronField.all(.minute).bits, isWildcard: true), .only(0), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]),
        ("  0\t0 *  * *\n", [.only(0), .only(0), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]),
        (" @daily ", midnight),
        ("@weekly", [.only(0), .only(0), .all(.dayOfMonth), .all(.month), .only(0)]),
        ("@monthly", [.only(0), .only(0), .only(1), .all(.month), .all(.dayOfWeek)]),
        ("@hourly", [.only(0), .all(.hour), .all(.dayOfMonth), .all(.month), .all(.dayOfWeek)]),
    ] as [(String, [CronField])])
    func acceptedSyntaxAllowsWhatRobfigCronAllows(_ text: String, _ fields: [CronField]) throws {
        let schedule = try CronSchedule(parsing: text)
        #expect([schedule.minutes, schedule.hours, schedule.daysOfMonth, schedule.months, schedule.daysOfWeek] == fields)
        #expect(schedule.text == text)
    }

    @Test func schedulesAreEqualWhenWrittenAlike() throws {
        #expect(try CronSchedule(parsing: "@daily") == CronSchedule(parsing: "@daily"))
        #expect(try CronSchedule(parsing: "@daily") != CronSchedule(parsing: "@midnight"))
    }
}
