extension CronSchedule {
    private static let descriptorNames = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"

    /// The descriptors Kubernetes accepts, spelt as robfig/cron spells them (lower case only).
    /// `@every` and `@reboot` are refused: Kubernetes has no use for either.
    init(text: String, descriptor: String) throws(CronParseError) {
        let midnight = (minutes: CronField.only(0), hours: CronField.only(0))
        let anyDay = CronField.all(.dayOfMonth), anyMonth = CronField.all(.month), anyWeekday = CronField.all(.dayOfWeek)
        switch descriptor {
        case "@yearly", "@annually":
            self.init(text: text, minutes: midnight.minutes, hours: midnight.hours,
                      daysOfMonth: .only(1), months: .only(1), daysOfWeek: anyWeekday)
        case "@monthly":
            self.init(text: text, minutes: midnight.minutes, hours: midnight.hours,
                      daysOfMonth: .only(1), months: anyMonth, daysOfWeek: anyWeekday)
        case "@weekly":
            self.init(text: text, minutes: midnight.minutes, hours: midnight.hours,
                      daysOfMonth: anyDay, months: anyMonth, daysOfWeek: .only(0))
        case "@daily", "@midnight":
            self.init(text: text, minutes: midnight.minutes, hours: midnight.hours,
                      daysOfMonth: anyDay, months: anyMonth, daysOfWeek: anyWeekday)
        case "@hourly":
            self.init(text: text, minutes: midnight.minutes, hours: .all(.hour),
                      daysOfMonth: anyDay, months: anyMonth, daysOfWeek: anyWeekday)
        case "@every":
            throw CronParseError(field: nil, message: "@every is not supported; write the interval as 5 fields, e.g. */5 * * * * for every 5 minutes")
        case "@reboot":
            throw CronParseError(field: nil, message: "@reboot is not supported in a schedule; expected 5 fields or one of \(Self.descriptorNames)")
        default:
            throw CronParseError(field: nil, message: "unknown descriptor \(descriptor); expected one of \(Self.descriptorNames)")
        }
    }
}
