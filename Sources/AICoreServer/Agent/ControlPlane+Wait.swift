import AICoreErrors
import AICoreController
import AICoreStore

/// Compose's `wait`: until a service's instances are not running.
extension ControlPlane {
    /// Waits, at most `timeout`, until every instance of the service is not running; says
    /// which have (with their exit codes) and which still run.
    public func wait(_ name: String, service: String, timeout: Duration) async throws(AICoreError) -> WaitResult {
        let ids = try await serviceRecords(name, service: service).map(\.id)
        let agent = self.agent
        let snapshots = await withTaskGroup(of: (String, InstanceSnapshot?)?.self) { group in
            for id in ids {
                group.addTask { (id, await agent.waitForExit(stack: name, instance: id)) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var found: [String: InstanceSnapshot?] = [:]
            while found.count < ids.count, let next = await group.next() {
                guard let pair = next else { break }
                found[pair.0] = pair.1
            }
            group.cancelAll()
            // Cancelled waits return the state they stopped at: those may have ended too.
            while let next = await group.next() {
                if let pair = next, found[pair.0] == nil { found[pair.0] = pair.1 }
            }
            return found
        }
        var exited: [WaitResult.Exited] = []
        var running: [String] = []
        for id in ids {
            if let snapshot = snapshots[id] ?? nil, snapshot.state.isActive && !snapshot.finished {
                running.append(id)
            } else if let snapshot = snapshots[id] ?? nil {
                exited.append(WaitResult.Exited(instance: id, exitCode: snapshot.lastExitCode))
            } else {
                // No runner: its Store record is the truth (an instance never started, or one
                // whose runner has gone).
                let record: InstanceRecord? = try await store.instance(id: id)
                if let record, record.state.isActive {
                    running.append(id)
                } else {
                    exited.append(WaitResult.Exited(instance: id, exitCode: record?.lastExitCode))
                }
            }
        }
        return WaitResult(exited: exited, running: running)
    }
}
