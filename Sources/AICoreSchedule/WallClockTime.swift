#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An instant read on a time zone's wall clock, with the calendar arithmetic of Go's `time`
/// package. robfig/cron's search is written with Go's `time.Date`, `AddDate`, `Add` and
/// `Truncate`, and what it does at a DST transition (where a skipped or repeated wall time
/// lands) is decided by those functions; doing the same arithmetic here is what makes `next`
/// agree with Kubernetes to the second, rather than with Foundation's `Calendar`, which resolves
/// skipped and repeated times by rules of its own.
struct WallClockTime {
    /// Seconds since 1970-01-01 00:00 UTC.
    let seconds: Int64
    let zone: TimeZone

    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int
    /// 0 is Sunday.
    let weekday: Int

    init(seconds: Int64, zone: TimeZone) {
        self.seconds = seconds
        self.zone = zone
        let local = seconds + Self.offset(of: zone, at: seconds)
        let days = local.floorDivided(by: 86_400)
        let clock = Int(local - days * 86_400)
        (year, month, day) = Self.civilDate(daysSince1970: days)
        hour = clock / 3600
        minute = clock / 60 % 60
        second = clock % 60
        weekday = Int((days + 4).floorModulo(7))  // 1970-01-01 was a Thursday.
    }

    /// Go's `time.Date`: out-of-range parts carry over (month 13 is January next year, day 32
    /// of a 31-day month is the 1st of the next). A wall time the zone skips or repeats is
    /// resolved as Go resolves it: read the wall time as if it were UTC, take the zone's offset
    /// there, step back by that offset and use the offset in force at that instant. So where
    /// the offset is negative (the Americas) a repeated time gets its first occurrence and a
    /// skipped one lands an hour early (New York's 02:30 on a spring-forward day is 01:30 EST);
    /// where it is zero or positive (Europe) a repeated time gets its second occurrence and a
    /// skipped one lands an hour late (Berlin's 02:30 is 03:30 CEST).
    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, zone: TimeZone) {
        let months = Int64(year) * 12 + Int64(month - 1)
        let normalizedYear = months.floorDivided(by: 12)
        let normalizedMonth = Int(months - normalizedYear * 12) + 1
        let days = Self.daysSince1970(year: normalizedYear, month: normalizedMonth) + Int64(day - 1)
        let local = days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        let guess = Self.offset(of: zone, at: local)
        self.init(seconds: local - Self.offset(of: zone, at: local - guess), zone: zone)
    }

    var date: Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    /// Go's `Time.Add`: elapsed time, whatever the wall clock does meanwhile.
    func adding(seconds delta: Int64) -> WallClockTime {
        WallClockTime(seconds: seconds + delta, zone: zone)
    }

    /// Go's `Time.AddDate`: the same wall-clock time so many months or days on, through `init(year:...)`.
    func adding(months: Int = 0, days: Int = 0) -> WallClockTime {
        WallClockTime(year: year, month: month + months, day: day + days, hour: hour, minute: minute, second: second, zone: zone)
    }

    /// Go's `Time.Truncate(time.Minute)`, which rounds elapsed time, not the wall clock (the two
    /// differ only in zones whose offset has seconds in it, which no zone has had since 1972).
    func truncatedToMinute() -> WallClockTime {
        WallClockTime(seconds: seconds - seconds.floorModulo(60), zone: zone)
    }

    private static func offset(of zone: TimeZone, at seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// Days from 1970-01-01 to the first of a month, proleptic Gregorian. Years are counted from
    /// March so that the leap day falls at the end of a year and months have fixed offsets.
    private static func daysSince1970(year: Int64, month: Int) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = marchYear.floorDivided(by: 400)
        let yearOfEra = marchYear - era * 400
        let monthFromMarch = Int64((month + 9) % 12)
        let dayOfYear = (153 * monthFromMarch + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysSince1970(year:month:)`, with the day of the month.
    private static func civilDate(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5) + 1
        let month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int64) -> Int64 {
        self - floorDivided(by: divisor) * divisor
    }
}
