import AICoreSpec
import AICoreStore
import AICoreSupervisor

extension Reconciler {
    /// An agent starting again: takes `stack` as applied and gives every recorded instance that
    /// should run its runner back: re-adopted untouched while its process lives, handled by its
    /// restart policy when it exited meanwhile. No gates: these instances were past theirs.
    /// Instances stopped on purpose stay stopped; pending ones wait for the next apply.
    /// Returns the ids re-adopted.
    @discardableResult
    public func readopt(_ stack: Stack, instances: [InstanceRecord]) async throws(ControllerError) -> [String] {
        applied[stack.name] = stack
        let addresses = try await vips.vips(stack: stack.name)
        let hosts = addresses.mapValues(\.description)
        var adopted: [String] = []
        for record in instances.sorted(by: { ($0.service, $0.replica) < ($1.service, $1.replica) })
        where record.desired == "running" && record.state != "pending" {
            guard let service = stack.service(named: record.service) else { continue }
            let replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
            let network = InstanceNetwork(serviceIP: addresses[service.name]?.description, hosts: hosts)
            try await agentCall("re-adopt \(record.id)") {
                try await agent.start(stack: stack, service: service, replica: record.replica, replicas: replicas, network: network)
            }
            adopted.append(record.id)
        }
        return adopted
    }
}
