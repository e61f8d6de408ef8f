import Foundation
import Logging
import ServiceLifecycle

/// `crash_after`: exits with status 1 that many seconds after the API first became ready (or
/// after the switch was set through `PUT /fault`, if later).
struct CrashTimer: Service {
    let faults: FaultSwitches
    let readiness: ReadinessState
    let logger: Logger
    var clock = ContinuousClock()
    var terminate: @Sendable (Int32) -> Void = { code in
        fflush(nil)  // every stream, so the last log lines are not lost
        exit(code)
    }

    func run() async throws {
        // A graceful shutdown cancels the loop, its sleep included.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let seconds = faults.current.crashAfterSeconds, let readyAt = readiness.firstReadyAt {
                    let start = max(readyAt, faults.crashArmedAt)
                    if clock.now >= start + .milliseconds(Int64(seconds * 1000)) {
                        logger.error("crashing on purpose: \(FaultSettings.crashAfterVariable)=\(seconds) elapsed since ready")
                        terminate(1)
                        return
                    }
                }
                try? await clock.sleep(for: .milliseconds(50))
            }
        }
    }
}
