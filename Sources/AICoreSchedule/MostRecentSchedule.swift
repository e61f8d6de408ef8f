#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a CronJob stands against its schedule at one instant: what
/// `CronJobTiming.mostRecentScheduleTime` found.
public struct MostRecentSchedule: Sendable, Hashable {
    /// The instant activations are counted after: the last scheduled time, else the creation
    /// time, raised to now minus the starting deadline when that was asked for.
    public let earliest: Date
    /// The latest activation after `earliest` and not after now; nil when none has come yet, or
    /// when Kubernetes' estimate jumps past it (see `CronJobTiming.mostRecentScheduleTime`).
    public let mostRecent: Date?
    public let missed: MissedSchedules

    public init(earliest: Date, mostRecent: Date?, missed: MissedSchedules) {
        self.earliest = earliest
        self.mostRecent = mostRecent
        self.missed = missed
    }
}
