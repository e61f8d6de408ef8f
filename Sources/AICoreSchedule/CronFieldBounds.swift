/// What one field accepts: its values, the names that stand for some of them, and whether `?`
/// may stand for `*`. The ranges and names are robfig/cron v3's, which Kubernetes uses; notably
/// day-of-week is 0-6 only (7 is refused there, so it is refused here too).
struct CronFieldBounds: Sendable {
    let field: CronScheduleField
    let range: ClosedRange<Int>
    /// Lower-case names; a value is looked up lower-cased, so `JAN`, `Jan` and `jan` all work.
    var names: [String: Int] = [:]
    var allowsQuestionMark = false
    /// Added to an out-of-range message where authors commonly trip (Sunday as 7).
    var rangeHint: String?

    static let minute = CronFieldBounds(field: .minute, range: 0...59)
    static let hour = CronFieldBounds(field: .hour, range: 0...23)
    static let dayOfMonth = CronFieldBounds(field: .dayOfMonth, range: 1...31, allowsQuestionMark: true)
    static let month = CronFieldBounds(
        field: .month, range: 1...12,
        names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
    static let dayOfWeek = CronFieldBounds(
        field: .dayOfWeek, range: 0...6,
        names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6],
        allowsQuestionMark: true, rangeHint: "Sunday is 0 or SUN")

    /// What a value may be written as, for "is not a number" messages.
    var expectedValue: String {
        let number = "a number from \(range.lowerBound) to \(range.upperBound)"
        return switch field {
        case .month: "\(number) or a month name (JAN-DEC)"
        case .dayOfWeek: "\(number) or a weekday name (SUN-SAT)"
        default: number
        }
    }
}
