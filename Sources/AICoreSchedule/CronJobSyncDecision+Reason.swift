#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CronJobSyncDecision.Action {
    /// Why, in words for an event or a log line; times in UTC (ISO 8601).
    public var reason: String {
        switch self {
        case .start(let time):
            "the run scheduled for \(Self.text(time)) is due"
        case .replaceThenStart(let time):
            "the run scheduled for \(Self.text(time)) is due; concurrency policy Replace stops the active runs first"
        case .skipForbidden(let time):
            "not starting the run scheduled for \(Self.text(time)): a previous run is still active and the concurrency policy is Forbid"
        case .skipTooLate(let time):
            "the run scheduled for \(Self.text(time)) missed its starting deadline"
        case .skipAlreadyStarted(let time):
            "the run scheduled for \(Self.text(time)) has already been started"
        case .wait:
            "no run is due"
        case .suspended:
            "the job is suspended"
        }
    }

    private static func text(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
