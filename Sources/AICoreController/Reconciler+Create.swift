import AICoreErrors
import AICoreSpec
import AICoreStore
import AICoreSupervisor

extension Reconciler {
    /// `docker compose create` (`up --no-start`): records `stack` as `apply` does and makes what
    /// it would make but processes (its networks, named volumes, pending placements), and each
    /// instance it would start is recorded `created` and stopped instead. They start as stopped
    /// instances do: at the next `start` or `up`. Nothing that runs is stopped, replaced or
    /// rolled out, and no dependency is waited for.
    public func create(_ stack: Stack) async throws(AICoreError) -> ReconcilePlan {
        let (revision, network) = try await recordDesired(stack, cause: "create")
        let planned = try await plan(stack)
        applied[stack.name] = stack
        let made = ReconcilePlan(stack: stack.name, steps: planned.steps.filter {
            switch $0 {
            case .createVolume, .pending: true
            default: false
            }
        })
        try await execute(made, stack: stack, revision: revision, network: network)
        var steps = made.steps
        for step in planned.steps {
            guard case let .start(instance, service, replica, node) = step else { continue }
            let record = InstanceRecord(id: instance, stack: stack.name, service: service, replica: replica, state: .created,
                                        desired: .stopped, statusReason: "Created: starts with `start` or `up`",
                                        specHash: stack.service(named: service).map(ServiceSpecHash.of))
            try await store.saveInstance(record)
            try await store.appendEvents([EventRecord(time: WallClock.rfc3339Now(), stack: stack.name, service: service, instance: instance,
                                                      type: "created", reason: "Created, not started")])
            steps.append(.start(instance: instance, service: service, replica: replica, node: node))
        }
        return ReconcilePlan(stack: stack.name, steps: steps)
    }
}
