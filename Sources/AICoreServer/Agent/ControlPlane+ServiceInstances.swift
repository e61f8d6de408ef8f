import AICoreErrors
import AICoreStore

/// The instances of one service, for the verbs that act on them (`kill`, `pause`, `rm`, `wait`).
extension ControlPlane {
    /// The instances of a service of a stack on the node, in replica order; 404 for an unknown
    /// stack or service.
    func serviceRecords(_ name: String, service: String) async throws(AICoreError) -> [InstanceRecord] {
        let stack = try await stack(named: name)
        guard stack.service(named: service) != nil else { throw unknownService(service, of: stack) }
        let records: [InstanceRecord] = try await store.instances(stack: name)
        return records.filter { $0.service == service }.sorted { $0.replica < $1.replica }
    }
}
