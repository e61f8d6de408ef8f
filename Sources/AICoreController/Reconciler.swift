import AICoreErrors
import AICoreSpec
import AICoreStore
import AICoreSupervisor

/// Makes a node run what its stacks say. It owns the last stack applied of each name, reads
/// actual state from the Store, asks `ReconcilePlanner` for an ordered plan (placement by the
/// `Scheduler`), and carries the plan out through a `NodeAgent`, waiting on `depends_on` gates.
///
/// Steps run one after another: a gate blocks the steps after it until every instance of the
/// dependency satisfies its condition, fails for good, or `gateTimeout` passes on the injected
/// clock. A failure stops the apply with the reason; a later apply plans again from what is.
public actor Reconciler<C: Clock> where C.Duration == Duration {
    let store: any Store
    let agent: any NodeAgent
    let vips: VIPAllocator
    private let planner: ReconcilePlanner
    let clock: C
    private let gateTimeout: Duration
    /// Empties an instance's proxy rotation before every voluntary stop (nil: no proxy).
    let drain: (any TrafficDrain)?
    /// How often a rollout looks at its replicas.
    let rolloutPoll: Duration
    /// Where services whose file says nothing about networks go (`networks.default_mode`).
    let networkDefault: StackNetworks.DefaultMode
    var applied: [String: Stack] = [:]
    /// Each stack's bridge networks as the node last made them (the proxy's VIPs).
    var leases: [String: [String: NetworkLease]] = [:]
    /// What each executed step reported (gates that did not block, pendings), newest last.
    public private(set) var notes: [String] = []

    public init(store: any Store, agent: any NodeAgent, vips: VIPAllocator, planner: ReconcilePlanner, clock: C,
                gateTimeout: Duration = .seconds(300), drain: (any TrafficDrain)? = nil,
                rolloutPoll: Duration = .milliseconds(100), networkDefault: StackNetworks.DefaultMode = .host) {
        self.store = store
        self.networkDefault = networkDefault
        self.drain = drain
        self.rolloutPoll = rolloutPoll
        self.agent = agent
        self.vips = vips
        self.planner = planner
        self.clock = clock
        self.gateTimeout = gateTimeout
    }

    /// The stack last applied under `name`, if any.
    public func stack(named name: String) -> Stack? { applied[name] }

    /// What `apply` would do now, without doing it.
    public func plan(_ stack: Stack) async throws(AICoreError) -> ReconcilePlan {
        let actual = try await actualState(stack.name, candidates: [stack, applied[stack.name]].compactMap { $0 })
        let capacity = try await nodeCapacity()
        return try planner.apply(stack, actual: actual, previous: applied[stack.name], nodes: [capacity])
    }

    /// Records `stack` as the desired state (a new revision when its spec changed), gives its
    /// services their VIPs, and carries out the plan. Returns the plan it carried out.
    @discardableResult
    public func apply(_ stack: Stack, cause: String = "apply") async throws(AICoreError) -> ReconcilePlan {
        let (revision, network) = try await recordDesired(stack, cause: cause)
        let plan = try await self.plan(stack)
        let previous = applied[stack.name]
        applied[stack.name] = stack
        try await execute(plan, stack: stack, revision: revision, network: network)
        // Networks the stack no longer uses go, now that nothing of it is on them.
        if let previous { try await removeNetworks(of: previous, keeping: stack) }
        return plan
    }

    /// What `apply` and `create` do before they plan: `stack` saved (a new revision when its spec
    /// changed) with each service's revision, its instances' networks assigned, its volumes
    /// adopted. Returns the revision and each service's network.
    func recordDesired(_ stack: Stack, cause: String) async throws(AICoreError) -> (Int, @Sendable (String) -> InstanceNetwork) {
        let spec = StackPrinter.render(stack, format: .yaml)
        let revision = try await store.saveStack(name: stack.name, specHash: ServiceSpecHash.text(spec), spec: spec)
        let pinned = try await pinnedRevisions(stack.name)
        for service in stack.services {
            let hash = ServiceSpecHash.of(service)
            _ = try await store.recordServiceRevision(stack: stack.name, service: service.name, specHash: hash, stackRevision: revision,
                                                  cause: cause, keep: service.aicore.rollout.revisionHistory,
                                                  pinned: pinned[service.name] ?? [])
        }
        let network = try await instanceNetworks(stack, assigning: true)
        try await adoptVolumes(of: stack)
        return (revision, network)
    }

    /// Stops every instance of the stack (dependents first), forgets its services and releases
    /// its VIPs; `removeVolumes` (`down -v`) also removes its named volumes: those it declares
    /// and every one recorded as its own, also when the stack itself went down before.
    @discardableResult
    public func down(stack name: String, removeVolumes: Bool = false) async throws(AICoreError) -> ReconcilePlan {
        let previous = applied[name]
        if let previous { try await adoptVolumes(of: previous) }
        let actual = try await actualState(name, candidates: [previous].compactMap { $0 })
        let plan = planner.down(stack: name, actual: actual, previous: previous, removeVolumes: removeVolumes)
        try await execute(plan, stack: previous ?? Stack(name: name), revision: 0) { _ in InstanceNetwork() }
        if removeVolumes {
            // Records whose directory was already gone (removed by hand): nothing to remove.
            for record in (try await store.volumes(stack: name)) {
                try await store.deleteVolume(named: record.name)
            }
        }
        try await vips.release(stack: name)
        if let previous { try await removeNetworks(of: previous, keeping: nil) }
        leases[name] = nil
        applied[name] = nil
        return plan
    }

    /// Records the declared volumes of `stack` that an agent from before volume records made
    /// (`VolumeAdoption`), so that they stay the stack's after it goes down.
    func adoptVolumes(of stack: Stack) async throws(AICoreError) {
        let recorded = try await store.volumes(stack: stack.name)
        let directories = try await volumeDirectories()
        for record in VolumeAdoption.records(for: stack, directories: directories, recorded: Set(recorded.map(\.name))) {
            try await store.saveVolume(record)
        }
    }

    private func volumeDirectories() async throws(AICoreError) -> [VolumeDirectory] {
        do {
            return try await agent.volumeDirectories()
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(code: .volume, message: "cannot list the volumes of node \(agent.node): \(error)", cause: error)
        }
    }

    /// An operator restarts a service: it and its `restart: true` dependents stop and start
    /// again, in order, behind their gates.
    @discardableResult
    public func restart(stack name: String, service: String) async throws(AICoreError) -> ReconcilePlan {
        guard let stack = applied[name] else {
            throw AICoreError(code: .notFound, message: "no stack \(name) is applied on this node; `up` it first")
        }
        let actual = try await actualState(name, candidates: [stack])
        let plan = try planner.restart(service: service, of: stack, actual: actual)
        try await checkDisruptionBudgets(plan, stack: stack)
        let network = try await instanceNetworks(stack, assigning: false)
        try await execute(plan, stack: stack, revision: 0, network: network)
        return plan
    }

    /// A restart stops every replica of the services it touches: refused when that would take
    /// one below its `disruption_budget` (voluntary disruption must leave that many ready).
    private func checkDisruptionBudgets(_ plan: ReconcilePlan, stack: Stack) async throws(AICoreError) {
        let records = try await store.instances(stack: stack.name)
        for service in stack.services {
            guard let budget = service.aicore.disruptionBudget else { continue }
            let stopping = Set(plan.steps.compactMap { step -> String? in
                if case let .stop(instance, name, _) = step, name == service.name { return instance }
                return nil
            })
            guard !stopping.isEmpty else { continue }
            let replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
            let floor = DisruptionBudgetFloor.minimumReady(budget, replicas: replicas)
            let ready = records.filter { $0.service == service.name && $0.ready }
            let left = ready.filter { !stopping.contains($0.id) }.count
            if left < floor {
                throw AICoreError(code: .disruptionBudget, message: "restarting \(service.name) would leave \(left) of its \(ready.count) ready replica(s) serving; its disruption_budget keeps at least \(floor) ready. Use `aicore-node rollout restart \(service.name)`, which replaces them a few at a time")
            }
        }
    }

    /// Per service, the spec hashes history must keep: what its replicas run, what it last
    /// completed, and where an unfinished rollout would go back to.
    func pinnedRevisions(_ stack: String) async throws(AICoreError) -> [String: Set<String>] {
        let instances = try await store.instances(stack: stack)
        let services = try await store.services(stack: stack)
        let rollouts = try await store.rollouts(stack: stack)
        var pinned: [String: Set<String>] = [:]
        for instance in instances { if let hash = instance.specHash { pinned[instance.service, default: []].insert(hash) } }
        for service in services { pinned[service.name, default: []].insert(service.specHash) }
        for rollout in rollouts where rollout.isActive { if let hash = rollout.fromHash { pinned[rollout.service, default: []].insert(hash) } }
        return pinned
    }

    // MARK: actual state

    func actualState(_ name: String, candidates stacks: [Stack]) async throws(AICoreError) -> ActualState {
        let services = try await store.services(stack: name)
        let instances = try await store.instances(stack: name)
        // The stack's volumes: those its stacks declare and those recorded as its own.
        var names = Set(try await store.volumes(stack: name).map(\.name))
        for stack in stacks {
            for volume in stack.volumes where !volume.external {
                names.insert(SupervisorLayout.volumeName(stack: name, volume: volume.key))
            }
        }
        let existing = Set(try await volumeDirectories().filter { names.contains($0.name) }.map(\.path))
        // Only the users who may own a volume the plan creates.
        let users = Set(stacks.flatMap { stack in
            stack.services.filter { $0.volumes.contains { $0.kind == .volume } }.compactMap(\.user)
        })
        let lookups = await agent.lookUpUsers(users)
        return ActualState(
            serviceHashes: Dictionary(services.map { ($0.name, $0.specHash) }, uniquingKeysWith: { _, last in last }),
            instances: instances.map {
                ActualState.Instance(id: $0.id, service: $0.service, replica: $0.replica,
                                     pendingReason: $0.state == .pending ? ($0.statusReason ?? "Pending") : nil,
                                     node: agent.node, specHash: $0.specHash)
            },
            volumes: existing, users: lookups)
    }

    private func nodeCapacity() async throws(AICoreError) -> NodeCapacity {
        do {
            return try await agent.capacity()
        } catch {
            throw AICoreError(code: .start, message: "cannot learn the capacity of node \(agent.node): \(error)", cause: error)
        }
    }

    // MARK: networks

    /// The network of each service's instances: on the host (its 127/8 VIP, assigned when
    /// `assigning`, else as recorded), or on bridge networks the node makes (or finds) now.
    /// An instance learns the other services by name: their VIP on the first network it
    /// shares with them.
    func instanceNetworks(_ stack: Stack, assigning: Bool) async throws(AICoreError) -> @Sendable (String) -> InstanceNetwork {
        let layout = StackNetworks.of(stack, defaultMode: networkDefault)
        let addresses = assigning ? try await vips.assign(stack: stack.name, services: stack.services.map(\.name))
            : try await vips.vips(stack: stack.name)
        var made: [String: NetworkLease] = [:]
        if !layout.requests.isEmpty {
            let requests = layout.requests
            do {
                made = try await agent.ensureNetworks(requests)
            } catch let error as AICoreError {
                throw error
            } catch {
                throw AICoreError(code: .start, message: "cannot make the networks of \(stack.name): \(error)", cause: error)
            }
        }
        leases[stack.name] = made
        let hostHosts = addresses.mapValues(\.description)
        var networks: [String: InstanceNetwork] = [:]
        for service in stack.services {
            switch layout.placements[service.name] {
            case let .bridge(joins)?:
                // Names come from the agent's resolver (127.0.0.11), which follows services
                // that come and go; /etc/hosts would keep them as they were at the start.
                networks[service.name] = InstanceNetwork(joins: joins)
            case let .sharing(other)?:
                var network = InstanceNetwork()
                network.sharing = other
                networks[service.name] = network
            case .none?:
                networks[service.name] = InstanceNetwork()
            default:
                networks[service.name] = InstanceNetwork(serviceIP: addresses[service.name]?.description, hosts: hostHosts)
            }
        }
        let result = networks
        return { service in result[service] ?? InstanceNetwork() }
    }

    /// Gives the stack's services their VIPs and makes its bridge networks, without starting
    /// anything: the proxy can listen on them before the first replica starts.
    public func prepareNetworks(_ stack: Stack) async throws(AICoreError) {
        _ = try await instanceNetworks(stack, assigning: true)
    }

    /// Removes the networks `stack` owns, but those `keeping` (its next version) uses and those
    /// another applied stack uses (it declares them `external`).
    func removeNetworks(of stack: Stack, keeping next: Stack?) async throws(AICoreError) {
        var used = Set(applied.filter { $0.key != stack.name }.flatMap { StackNetworks.of($0.value, defaultMode: networkDefault).requests.map(\.name) })
        if let next { used.formUnion(StackNetworks.of(next, defaultMode: networkDefault).requests.map(\.name)) }
        let names = StackNetworks.of(stack, defaultMode: networkDefault).owned.filter { !used.contains($0) }
        guard !names.isEmpty else { return }
        try await agentCall("remove the networks of \(stack.name)") { try await agent.removeNetworks(names) }
    }

    /// The bridge networks of `stack` as the node last made them.
    public func networkLeases(stack: String) -> [String: NetworkLease] { leases[stack] ?? [:] }

    /// Each service's placement in `stack`.
    public func networkLayout(_ stack: Stack) -> StackNetworks { StackNetworks.of(stack, defaultMode: networkDefault) }

    // MARK: carrying out

    func execute(_ plan: ReconcilePlan, stack: Stack, revision: Int,
                         network: (String) -> InstanceNetwork) async throws(AICoreError) {
        for step in plan.steps {
            switch step {
            case let .createVolume(volume):
                try await agentCall("create \(volume)") { try await agent.createVolume(volume) }
                let record = VolumeRecord(name: SupervisorLayout.volumeName(stack: stack.name, volume: volume.name), stack: stack.name,
                                          key: volume.name, path: volume.path, uid: volume.uid, gid: volume.gid,
                                          labels: volume.labels, createdAt: WallClock.rfc3339Now())
                try await store.saveVolume(record)
            case let .removeVolume(key, path):
                try await agentCall("remove the volume \(path)") { try await agent.removeVolume(path: path) }
                let name = SupervisorLayout.volumeName(stack: stack.name, volume: key)
                try await store.deleteVolume(named: name)
            case let .stop(instance, service, reason):
                if reason != .down, let policy = stack.service(named: service).map({ $0.aicore.rollout.drainTimeout }) {
                    await agent.prepareToStop(stack: stack.name, instance: instance)
                    await drain?.drain(stack: stack.name, instance: instance, timeout: policy)
                }
                try await agentCall("stop \(instance)") {
                    try await agent.stop(stack: stack.name, instance: instance, retainingPort: reason == .restart)
                }
            case let .start(instance, serviceName, replica, _):
                guard let service = stack.service(named: serviceName) else { continue }
                let replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
                let net = network(serviceName)
                try await agentCall("start \(instance)") {
                    try await agent.start(stack: stack, service: service, replica: replica, replicas: replicas, network: net)
                }
            case let .pending(instance, service, replica, reason):
                let record = InstanceRecord(id: instance, stack: stack.name, service: service, replica: replica,
                                            state: .pending, statusReason: reason)
                let event = EventRecord(time: WallClock.rfc3339Now(), stack: stack.name, service: service, instance: instance,
                                        type: "pending", reason: reason)
                try await store.saveInstance(record)
                try await store.appendEvents([event])
                notes.append("\(instance) pending: \(reason)")
            case let .await(gate):
                try await open(gate, stack: stack)
            case let .rollout(service, hash, replicas):
                try await rollOut(service, to: hash, replicas: replicas, stack: stack, network: network(service))
            case let .recordService(service, hash, replicas):
                let record = ServiceRecord(stack: stack.name, name: service, revision: revision, specHash: hash, replicas: replicas)
                try await store.saveService(record)
            case let .forgetService(service):
                try await store.deleteService(stack: stack.name, name: service)
            }
        }
    }

    func agentCall(_ what: String, _ body: () async throws -> Void) async throws(AICoreError) {
        do {
            try await body()
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(code: .start, message: "cannot \(what): \(error)", cause: error)
        }
    }

    /// Waits until every instance of the gate's service satisfies its condition. A gate that is
    /// not required is looked at once and never blocks.
    private func open(_ gate: Gate, stack: Stack) async throws(AICoreError) {
        guard let dependency = stack.service(named: gate.service) else { return }
        let replicas = dependency.deploy.mode == .global ? 1 : max(dependency.deploy.replicas, 0)
        let condition = gate.condition
        for replica in (replicas == 0 ? [] : Array(1...replicas)) {
            let id = InstanceIdentity(stack: stack.name, service: gate.service, replica: replica).id
            let verdict = await gate.required ? waitBounded(stack: stack.name, instance: id, condition) : peek(stack: stack.name, instance: id, condition)
            switch verdict {
            case .met?:
                continue
            case let .failed(reason)? where gate.required:
                throw AICoreError(code: .dependencyFailed, message: "\(gate): \(id) \(reason)")
            case nil where gate.required:
                let pending = try await store.instance(id: id)
                let why = pending?.statusReason.map { "is pending: \($0)" } ?? "is not running"
                throw AICoreError(code: .dependencyFailed, message: "\(gate): \(id) \(why)")
            case .waiting? where gate.required:
                throw AICoreError(code: .timeout, message: "\(gate): \(id) not there after \(DurationText.format(gateTimeout)); see `logs \(gate.service)` and `inspect \(id)`")
            default:
                notes.append("\(gate): \(id) not yet \(condition.rawValue); starting \(gate.dependent) anyway")
            }
        }
    }

    /// Looks once: a condition that does not hold right now reads as waiting.
    private func peek(stack: String, instance: String, _ condition: ServiceDependency.Condition) async -> GateVerdict? {
        let verdict = await agent.wait(stack: stack, instance: instance) { snapshot in
            GateCheck.verdict(condition, snapshot) == .met ? .met : .failed("not yet")
        }
        return verdict == .met ? .met : .waiting
    }

    private enum WaitOutcome: Sendable {
        /// What the node said (nil: it does not run the instance).
        case answered(GateVerdict?)
        case timedOut
    }

    private func waitBounded(stack: String, instance: String, _ condition: ServiceDependency.Condition) async -> GateVerdict? {
        let agent = self.agent
        let clock = self.clock
        let timeout = gateTimeout
        let outcome = await withTaskGroup(of: WaitOutcome.self) { group -> WaitOutcome in
            group.addTask {
                .answered(await agent.wait(stack: stack, instance: instance) { GateCheck.verdict(condition, $0) })
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
        switch outcome {
        case let .answered(verdict): return verdict
        case .timedOut: return .waiting
        }
    }
}
