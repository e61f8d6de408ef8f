#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An activation a CronJob should start now, if nothing else stops it (suspension, the
/// concurrency policy, a run already started for it): what `CronJobTiming.nextScheduleTime`
/// returns.
public struct DueActivation: Sendable, Hashable {
    /// The scheduled time the run is for (it names the run; it is not when the run starts).
    public let scheduledTime: Date
    /// `many` means the controller should warn; see `CronJobTiming.tooManyMissedWarning`.
    public let missed: MissedSchedules

    public init(scheduledTime: Date, missed: MissedSchedules) {
        self.scheduledTime = scheduledTime
        self.missed = missed
    }
}
