import AICoreErrors
import AICoreStore

/// Compose's `pause` and `unpause`: a service's instances frozen and thawed.
extension ControlPlane {
    /// Freezes (`paused`) or thaws each instance of the service that can be; returns their names.
    public func setPaused(_ name: String, service: String, _ paused: Bool) async throws(AICoreError) -> InstanceActionResult {
        let records = try await serviceRecords(name, service: service)
        var done: [String] = []
        var skipped: [String] = []
        for record in records {
            let eligible = paused ? [.running, .healthy, .unhealthy].contains(record.state) : record.state == .paused
            guard eligible else {
                skipped.append(record.id)
                continue
            }
            do {
                try await agent.setPaused(stack: name, instance: record.id, paused)
                done.append(record.id)
            } catch let error as AICoreError where error.code == .conflict {
                skipped.append(record.id)
            } catch let error as AICoreError {
                throw error
            } catch {
                throw AICoreError(.internalError, "cannot \(paused ? "pause" : "unpause") \(record.id): \(error)", cause: error)
            }
        }
        return InstanceActionResult(instances: done, skipped: skipped)
    }
}
