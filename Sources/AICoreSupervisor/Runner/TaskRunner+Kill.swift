import AICoreErrors
import AICoreStore

#if canImport(Glibc)
import Glibc
#endif

/// `kill`: an operator's signal to the running process.
extension TaskRunner {
    /// Sends `signal` to the instance's workload (`kill`). As Docker's kill: SIGKILL and the
    /// service's stop signal end it for good, like `stop` (it stays stopped until `start` or
    /// `up`, whatever its restart policy); any other signal is only delivered, and should the
    /// workload exit of it, its restart policy decides as for any exit. A paused instance is
    /// thawed first, or the signal would wait in the frozen process.
    public func deliver(signal: Int32, name: String) async throws(AICoreError) {
        guard state.isActive, let handle else {
            throw AICoreError(.conflict, "instance \(identity.id) is \(state.rawValue); only a running instance can be signalled")
        }
        let ends = signal == SIGKILL || signal == configuration.stopSignal
        if ends {
            desiredRunning = false
            if requestedExit == nil { requestedExit = .operatorStop }
        }
        if state == .paused {
            await thawForStop(handle)
            if ends { transition(.stopping, type: "stopping", reason: "Killed while paused: thawed, then \(name)") }
        }
        note(type: "killed", reason: ends ? "Sent \(name) (kill): stopped, not restarted until start or up"
                                           : "Sent \(name) (kill); should it exit, its restart policy decides")
        do {
            try driver.signal(handle, signal)
        } catch {
            throw AICoreError(.unavailable, "cannot send \(name) to \(identity.id): \((error as? AICoreError)?.message ?? "\(error)")", cause: error)
        }
    }
}
