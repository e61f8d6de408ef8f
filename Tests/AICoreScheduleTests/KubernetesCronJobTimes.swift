import Foundation

/// The instants Kubernetes' CronJob tests are written around (`topOfTheHour()`,
/// `justAfterTheHour()`, ...), so ported rows can name them as the Go tables do. All are
/// Thursday 19 May 2016, UTC, unless the name says otherwise.
enum KubernetesCronJobTimes {
    static let second: TimeInterval = 1
    static let minute: TimeInterval = 60
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86_400
    /// Kubernetes' `nextScheduleDelta`, which every expected re-queue delay includes.
    static let delta: TimeInterval = 0.1

    /// 2016-05-19T10:00:00Z.
    static let topOfTheHour = Date(timeIntervalSince1970: 1_463_652_000)

    /// `topOfTheHour` moved by `offset` (Kubernetes' `deltaTimeAfterTopOfTheHour`).
    static func afterTheHour(_ offset: TimeInterval) -> Date {
        topOfTheHour.addingTimeInterval(offset)
    }

    static let justBeforeThePriorHour = afterTheHour(-61 * minute)  // 08:59
    static let justAfterThePriorHour = afterTheHour(-59 * minute)   // 09:01
    static let justBeforeTheHour = afterTheHour(-minute)            // 09:59
    static let justASecondBeforeTheHour = afterTheHour(-second)     // 09:59:59
    static let justAfterTheHour = afterTheHour(minute)              // 10:01
    static let justBeforeTheNextHour = afterTheHour(59 * minute)    // 10:59
    static let weekAfterTheHour = afterTheHour(7 * day)             // 2016-05-26T10:00:00Z

    static let utc = TimeZone(identifier: "UTC")!

    /// A delay in whole milliseconds, so that rows compare exactly what Go compares (Go's
    /// durations are integers; Dates are floating point).
    static func milliseconds(_ interval: TimeInterval) -> Int64 {
        Int64((interval * 1000).rounded())
    }
}
