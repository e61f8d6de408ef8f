import AICoreErrors
import AICoreRuntime
import AICoreStore

/// `pause` and `unpause`: an operator freezing the running process and letting it go on.
///
/// A paused instance is not a failed one: its checks stop (a frozen process answers no probe, and
/// its liveness must not kill it), it is not ready (the proxy sends it nothing), and its restart
/// policy has nothing to decide since it does not exit. `unpause` resumes the checks from the
/// verdicts they had, as after an agent restart (no start period, no startup probe again).
extension TaskRunner {
    /// Freezes the instance's processes (the cgroup freezer). Only a running instance can be paused.
    public func pause() async throws(AICoreError) {
        guard isRunning, let handle else {
            throw AICoreError(.conflict, "instance \(identity.id) is \(state.rawValue); only a running instance can be paused")
        }
        let readyBefore = ready
        let health = checks.healthText
        // Out of the proxy's rotation and unchecked before it freezes: nothing waits on it meanwhile.
        generation += 1
        probeTask?.cancel()
        probeTask = nil
        stopRepeatedHealthcheck()
        pausedProbes = ProbeSnapshot(health: health, ready: readyBefore)
        transition(.paused, type: "pausing", reason: "Pausing: freezing its processes (cgroup freezer)")
        do {
            try await driver.setFrozen(handle, true)
        } catch {
            let message = (error as? AICoreError)?.message ?? "\(error)"
            if state == .paused, self.handle?.pid == handle.pid { resumeChecks(handle, reason: "Pause failed, running on: \(message)") }
            throw AICoreError(.unavailable, "cannot pause \(identity.id): \(message)", cause: error)
        }
        if state == .paused { note(type: "paused", reason: "Paused: its processes are frozen; no checks and no restarts until unpause") }
    }

    /// Thaws a paused instance and resumes its checks.
    public func unpause() async throws(AICoreError) {
        guard state == .paused, let handle else {
            throw AICoreError(.conflict, "instance \(identity.id) is \(state.rawValue), not paused")
        }
        do {
            try await driver.setFrozen(handle, false)
        } catch {
            throw AICoreError(.unavailable, "cannot unpause \(identity.id): \((error as? AICoreError)?.message ?? "\(error)")", cause: error)
        }
        guard state == .paused, self.handle?.pid == handle.pid else { return }
        resumeChecks(handle, reason: "Unpaused: its processes run again")
    }

    /// Back to running, with the checks resumed from what they said when it was paused.
    private func resumeChecks(_ handle: TaskHandle, reason: String) {
        resumedProbes = pausedProbes ?? ProbeSnapshot(health: checks.healthText, ready: false)
        pausedProbes = nil
        checks.begin(resumed: resumedProbes)
        generation += 1
        transition(.running, type: "unpaused", reason: reason)
        if !checks.statuses.isEmpty, checks.allPass {
            updateReadiness(reason: "Checks passed before the pause; resuming them")
        } else {
            updateReadiness()
        }
        startChecks(handle, generation: generation)
    }

    /// Thaws a paused instance that is being stopped; a failure is an event, and the stop's
    /// SIGKILL after the grace period still ends it (v2 kills frozen tasks; v1 `killAll` thaws).
    func thawForStop(_ handle: TaskHandle) async {
        do {
            try await driver.setFrozen(handle, false)
        } catch {
            note(type: "thaw-failed", reason: "Cannot thaw the paused instance before stopping it: \(error)")
        }
    }
}
