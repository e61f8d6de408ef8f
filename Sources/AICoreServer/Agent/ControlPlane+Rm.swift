import AICoreErrors
import AICoreStore

/// Compose's `rm`: a service's stopped instances removed.
extension ControlPlane {
    /// Removes the service's instances that are not running (stopped, exited, failed); with
    /// `stopFirst`, stops the running ones first. The next `up` or `start` makes them afresh.
    public func removeStopped(_ name: String, service: String, stopFirst: Bool) async throws(AICoreError) -> InstanceActionResult {
        let records = try await serviceRecords(name, service: service)
        if stopFirst, records.contains(where: { $0.state.isActive || $0.state == .backoff }) {
            _ = try await stop(name, service: service)
        }
        var removed: [String] = []
        var skipped: [String] = []
        for record in try await serviceRecords(name, service: service) {
            // A back-off is an exit waiting to be restarted: stopped only by `stop` (or -s).
            guard !record.state.isActive, record.state != .backoff || record.desired == .stopped else {
                skipped.append(record.id)
                continue
            }
            do {
                try await agent.stop(stack: name, instance: record.id)
                removed.append(record.id)
            } catch {
                throw AICoreError(.internalError, "cannot remove \(record.id): \(error)", cause: error)
            }
        }
        return InstanceActionResult(instances: removed, skipped: skipped)
    }
}
