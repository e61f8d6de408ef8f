#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CronSchedule {
    /// The first activation strictly after `date`, with fields read on `timeZone`'s wall clock;
    /// nil if there is none within five years (`0 0 30 2 *`), where robfig/cron gives up too.
    ///
    /// This is robfig/cron v3's search (`SpecSchedule.Next`), step for step, so that a job runs
    /// when Kubernetes would run it, DST included:
    /// - a wall time skipped by spring-forward does not run that day (`30 2 * * *` in New York
    ///   skips 11 March 2012), and an hourly job skips the missing hour;
    /// - a wall time repeated by fall-back runs twice, once at each offset (`0 1 * * *` runs at
    ///   01:00 EDT and again at 01:00 EST on 4 November 2012);
    /// - where midnight itself is skipped (São Paulo until 2019) the day is searched from the
    ///   first hour that exists.
    /// Each field is advanced in turn, coarsest first; whenever one wraps past its maximum the
    /// search starts over from the month, since the coarser fields must be checked again.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        // Activations fall on whole seconds (second 0), so searching starts at the next whole
        // second after `date`, never at `date` itself.
        var time = WallClockTime(seconds: Int64(date.timeIntervalSince1970.rounded(.down)) + 1, zone: timeZone)
        let lastYear = time.year + 5
        // Until a field has been advanced, the finer fields still hold `date`'s values; the first
        // advance resets them to their minimum, so that e.g. moving to June starts at 1 June 00:00.
        var advanced = false

        search: while time.year <= lastYear {
            while !months.contains(time.month) {
                if !advanced {
                    advanced = true
                    time = WallClockTime(year: time.year, month: time.month, day: 1, hour: 0, minute: 0, second: 0, zone: timeZone)
                }
                time = time.adding(months: 1)
                if time.month == 1 { continue search }
            }

            while !dayMatches(day: time.day, weekday: time.weekday) {
                if !advanced {
                    advanced = true
                    time = WallClockTime(year: time.year, month: time.month, day: time.day, hour: 0, minute: 0, second: 0, zone: timeZone)
                }
                time = time.adding(days: 1)
                // A day step from midnight lands off midnight when the zone skips or repeats
                // it; robfig/cron pulls the time back to the nearest midnight-ish hour.
                if time.hour > 12 {
                    time = time.adding(seconds: Int64(24 - time.hour) * 3600)
                } else if time.hour != 0 {
                    time = time.adding(seconds: -Int64(time.hour) * 3600)
                }
                if time.day == 1 { continue search }
            }

            while !hours.contains(time.hour) {
                if !advanced {
                    advanced = true
                    time = WallClockTime(year: time.year, month: time.month, day: time.day, hour: time.hour, minute: 0, second: 0, zone: timeZone)
                }
                // Elapsed hours, not wall hours: a skipped hour is never visited and a repeated
                // one is visited twice.
                time = time.adding(seconds: 3600)
                if time.hour == 0 { continue search }
            }

            while !minutes.contains(time.minute) {
                if !advanced {
                    advanced = true
                    time = time.truncatedToMinute()
                }
                time = time.adding(seconds: 60)
                if time.minute == 0 { continue search }
            }

            // The standard schedule fires at second 0 only. robfig/cron steps a second at a time
            // to the next minute and then starts over; jumping there is the same.
            if time.second != 0 {
                advanced = true
                time = time.adding(seconds: Int64(60 - time.second))
                continue search
            }
            return time.date
        }
        return nil
    }
}
