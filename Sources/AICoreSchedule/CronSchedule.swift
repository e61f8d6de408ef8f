/// A cron schedule as a Kubernetes CronJob's `.spec.schedule` reads it: five fields (minute hour
/// day-of-month month day-of-week) or a descriptor such as `@daily`, with the semantics of
/// robfig/cron v3's standard parser, which Kubernetes uses. The time zone is not part of the
/// schedule (Kubernetes refuses `TZ=` in it and has `timeZone`); it is given to `next(after:in:)`.
public struct CronSchedule: Sendable, Hashable {
    /// The schedule as written, for messages and for storing back.
    public let text: String

    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    init(text: String, minutes: CronField, hours: CronField, daysOfMonth: CronField, months: CronField, daysOfWeek: CronField) {
        self.text = text
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = daysOfWeek
    }

    public init(parsing text: String) throws(CronParseError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else {
            throw CronParseError(field: nil, message: "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily")
        }
        if first.hasPrefix("TZ=") || first.hasPrefix("CRON_TZ=") {
            let prefix = first.prefix(through: first.firstIndex(of: "=") ?? first.startIndex)
            throw CronParseError(field: nil, message: "\(prefix) cannot be used in the schedule; set the time zone with time_zone instead")
        }
        if first.hasPrefix("@") {
            let schedule = try Self(text: text, descriptor: String(first))
            guard words.count == 1 else {
                throw CronParseError(field: nil, message: "\(first) stands alone; found more after it")
            }
            self = schedule
            return
        }
        guard words.count == 5 else {
            throw CronParseError(field: nil, message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(words.count)")
        }
        self.init(
            text: text,
            minutes: try CronField(parsing: words[0], bounds: .minute),
            hours: try CronField(parsing: words[1], bounds: .hour),
            daysOfMonth: try CronField(parsing: words[2], bounds: .dayOfMonth),
            months: try CronField(parsing: words[3], bounds: .month),
            daysOfWeek: try CronField(parsing: words[4], bounds: .dayOfWeek))
    }

    /// Vixie cron's rule, as robfig/cron applies it: when both day fields are restricted a day
    /// matches if either does (`0 0 1,15 * MON` is the 1st, the 15th and every Monday); when
    /// either is a wildcard both must match, which leaves the other as the only restriction.
    /// "Restricted" is about how the field was written, not what it allows: `1-31` restricts,
    /// `*` does not, and `*/2` does.
    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dayOfMonthMatches = daysOfMonth.contains(day)
        let dayOfWeekMatches = daysOfWeek.contains(weekday)
        if daysOfMonth.isWildcard || daysOfWeek.isWildcard {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }
}
