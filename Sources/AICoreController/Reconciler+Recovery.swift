import AICoreErrors
import AICoreSpec
import AICoreStore
import AICoreSupervisor

extension Reconciler {
    /// An agent starting again: takes `stack` as applied and gives every recorded instance that
    /// should run its runner back: re-adopted untouched while its process lives, handled by its
    /// restart policy when it exited meanwhile. No gates: these instances were past theirs.
    /// Instances stopped on purpose stay stopped; pending ones wait for the next apply.
    /// An instance of an earlier revision (the agent stopped mid-rollout) is re-adopted with
    /// that revision's spec, so that its checks and its recorded hash stay its own; the apply
    /// that follows resumes the rollout. Returns the ids re-adopted.
    @discardableResult
    public func readopt(_ stack: Stack, instances: [InstanceRecord]) async throws(AICoreError) -> [String] {
        applied[stack.name] = stack
        let networks = try await instanceNetworks(stack, assigning: false)
        var adopted: [String] = []
        var earlierSpecs: [String: Service?] = [:]
        var currentHashes: [String: String] = [:]
        for record in instances.sorted(by: { ($0.service, $0.replica) < ($1.service, $1.replica) })
        where record.desired == .running && record.state != .pending {
            guard var service = stack.service(named: record.service) else { continue }
            let current = currentHashes[service.name] ?? ServiceSpecHash.of(service)
            currentHashes[service.name] = current
            if let hash = record.specHash, hash != current,
               var earlier = try await olderSpec(stack: stack.name, service: service.name, hash: hash, cache: &earlierSpecs) {
                earlier.deploy.replicas = service.deploy.replicas
                service = earlier
            }
            let replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
            let network = networks(service.name)
            try await agentCall("re-adopt \(record.id)") {
                try await agent.start(stack: stack, service: service, replica: record.replica, replicas: replicas, network: network)
            }
            adopted.append(record.id)
        }
        return adopted
    }

    private func olderSpec(stack: String, service: String, hash: String,
                           cache: inout [String: Service?]) async throws(AICoreError) -> Service? {
        if let known = cache[hash] { return known }
        let found = try await serviceSpec(stack: stack, service: service, hash: hash)
        cache[hash] = found
        return found
    }
}
