/// The values one field of a schedule allows: bit n set means value n is allowed.
///
/// `isWildcard` is kept beside the bits because it changes meaning, not just values: `*` and
/// `1-31` allow the same days of the month, but only a field written without a wildcard takes
/// part in the either-day rule (see `CronSchedule.dayMatches`). A stepped wildcard such as
/// `*/2` counts as restricted, and `*/1` as a wildcard, as robfig/cron's "star bit" does.
struct CronField: Sendable, Hashable {
    var bits: UInt64
    var isWildcard: Bool

    init(bits: UInt64, isWildcard: Bool = false) {
        self.bits = bits
        self.isWildcard = isWildcard
    }

    /// Every value of the field, as `*` writes it.
    static func all(_ bounds: CronFieldBounds) -> CronField {
        CronField(bits: bits(from: bounds.range.lowerBound, through: bounds.range.upperBound, step: 1), isWildcard: true)
    }

    /// One value alone, as the descriptors (`@daily`, ...) fix minute, hour and day.
    static func only(_ value: Int) -> CronField {
        CronField(bits: 1 << UInt64(value))
    }

    /// `low`, `low + step`, ... up to `high`; both ends within 0...63 (every field's are).
    static func bits(from low: Int, through high: Int, step: Int) -> UInt64 {
        var bits: UInt64 = 0
        for value in stride(from: low, through: high, by: step) {
            bits |= 1 << UInt64(value)
        }
        return bits
    }

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0
    }
}
