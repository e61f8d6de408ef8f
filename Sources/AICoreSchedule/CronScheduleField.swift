/// The five fields of a standard cron schedule, in the order they are written.
public enum CronScheduleField: Sendable, Hashable, CaseIterable {
    case minute
    case hour
    case dayOfMonth
    case month
    case dayOfWeek

    /// The name a stack file's author reads in messages: the words crontab(5) uses.
    public var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }
}
