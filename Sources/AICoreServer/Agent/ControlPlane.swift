import AICoreAddresses
import AICoreErrors
import AICoreController
import AICoreDNS
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import Foundation
import Logging

/// Everything the REST API can ask of the node, over the controller: apply and take down
/// stacks, scale, restart, stop and start services, and look at instances, logs and events.
///
/// Stack operations that wait on `depends_on` gates (apply, scale, start) run in the
/// background, one at a time per stack: a newer one cancels the one in flight. The REST call
/// returns the plan at once; `operation` says how the last one went (`up --wait` polls it).
public actor ControlPlane {
    public nonisolated let configuration: AgentConfiguration
    public nonisolated let observer: StoreObserver
    public nonisolated let routes: RouteTable
    let store: ObservedStore
    /// The node, through the seam only: this actor does no host I/O of its own, and tests
    /// put a fake agent here. `LocalNode` assembles the real one.
    let agent: any NodeAgent
    let reconciler: Reconciler<ContinuousClock>
    let vips: VIPAllocator
    let logger: Logger
    private var operations: [String: Task<Void, Never>] = [:]
    /// The desired state of each stack, as last applied (set before its apply runs).
    private(set) var desired: [String: Stack] = [:]
    private var operationStatus: [String: StackOperation] = [:]

    /// The control plane over a node agent and the Store it writes to (whose observer feeds
    /// the routes and `/v1/events`). Nothing is started or adopted yet: `recover`. The agent
    /// process gets one from `LocalNode.controlPlane`.
    /// `names`: where the names of bridge networks go (the agent's resolver).
    public init(configuration: AgentConfiguration, store: ObservedStore, agent: any NodeAgent, planner: ReconcilePlanner,
                proxy: any ProxyControl, logger: Logger, names: (@Sendable (DNSRecordSet) -> Void)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.store = store
        self.agent = agent
        observer = store.observer
        vips = VIPAllocator(store: store, start: VIPPool.start(forStateDirectory: configuration.stateDirectory))
        let routes = RouteTable(proxy: proxy, logger: logger, names: names)
        self.routes = routes
        reconciler = Reconciler(store: store, agent: agent, vips: vips, planner: planner,
                                clock: ContinuousClock(), drain: routes, networkDefault: configuration.networkDefaultMode)
        observer.onInstanceChange { change in routes.instanceChanged(change) }
    }

    // MARK: recovery

    /// Re-adopts every instance the Store knows of, without restarting any that still runs,
    /// then converges each stack in the background (starting what is missing). Returns once
    /// every recorded instance has a runner again: the point at which READY=1 is honest.
    public func recover() async throws(AICoreError) {
        let records: [StackRecord] = try await store.stacks()
        var recovered: [Stack] = []
        for record in records {
            guard let stack = try await storedStack(record) else { continue }
            let instances: [InstanceRecord] = try await store.instances(stack: stack.name)
            routes.load(instances)
            desired[stack.name] = stack
            do {
                let adopted = try await reconciler.readopt(stack, instances: instances)
                logger.info("re-adopted \(adopted.count) instance(s)", metadata: ["stack": "\(stack.name)"])
            } catch {
                logger.error("cannot re-adopt: \(error)", metadata: ["stack": "\(stack.name)"])
            }
            await publishRoutes(stack, sending: false)
            recovered.append(stack)
        }
        // Every stack's routes at once: a proxy process that outlived the previous agent would
        // otherwise close the listeners of the stacks not recovered yet, and refuse their clients
        // for a moment.
        await routes.publish()
        for stack in recovered { enqueue(stack) }
    }

    /// The stack spec of the current revision, loaded back from the Store.
    private func storedStack(_ record: StackRecord) async throws(AICoreError) -> Stack? {
        let revisions: [RevisionRecord] = try await store.revisions(stack: record.name)
        guard let current = revisions.last(where: { $0.revision == record.currentRevision }) else { return nil }
        let path = configuration.stateDirectory + "/stacks/\(record.name).yml"
        guard let stack = StoredStackSpec.load(name: record.name, spec: current.spec, path: path) else {
            logger.error("the stored spec of stack \(record.name) does not load")
            return nil
        }
        return stack
    }

    // MARK: stacks

    /// Validates a stack file's text (as `path`, for relative paths and messages), makes it the
    /// stack's desired state and starts carrying it out. Returns the plan.
    ///
    /// The text is parsed before the actor is entered, on a thread of its own (`BlockingWork`):
    /// a slow parse never holds the control plane, so the watchdog and other requests go on.
    /// It is interpolated from an empty environment and no `.env`: the client (the CLI) has
    /// already filled its own variables and sends `$` as `$$`, and the agent's environment
    /// (its token file path, `HOME`, anything it was started with) must never leak into a stack.
    ///
    /// `pull` overrides every service's `pull_policy` for this apply only (`up --pull`).
    /// `services`: `up SERVICE…`, only those change (`limiting`); nil: the whole stack.
    public nonisolated func apply(text: String, path: String, projectName: String?, pull: PullPolicy? = nil,
                                  services: Set<String>? = nil) async throws(AICoreError) -> (Stack, ReconcilePlan, Int) {
        var stack = try await Self.loadSent(text: text, path: path, projectName: projectName,
                                            allowsPrivileged: configuration.allowPrivileged, defaultLogging: configuration.defaultLogging).stack
        if let services { stack = try await limiting(stack, to: services) }
        let (plan, revision) = try await applyRecording(stack, pull: pull)
        return (stack, plan, revision)
    }

    /// `up SERVICE…`: the stack as sent for `services`, and as it runs for the others. A service
    /// not named keeps the spec it runs with, or stays absent if it does not run, and a service
    /// the agent runs that the file no longer has stays: nothing else starts, stops or changes.
    /// A dependency left out (`--no-deps`) is not waited for.
    func limiting(_ sent: Stack, to services: Set<String>) throws(AICoreError) -> Stack {
        let unknown = services.subtracting(sent.services.map(\.name))
        guard unknown.isEmpty else {
            throw AICoreError(.badRequest, "the stack has no service \(unknown.sorted().joined(separator: ", ")); it has \(sent.services.map(\.name).joined(separator: ", "))")
        }
        let current = desired[sent.name]
        var stack = sent
        stack.services = sent.services.compactMap { services.contains($0.name) ? $0 : current?.service(named: $0.name) }
        for service in current?.services ?? [] where stack.service(named: service.name) == nil {
            stack.services.append(service)
        }
        stack.services.sort { $0.name < $1.name }
        let names = Set(stack.services.map(\.name))
        for index in stack.services.indices {
            stack.services[index].dependsOn.removeAll { !names.contains($0.service) }
        }
        return stack
    }

    /// `docker compose create` (`POST /v1/stacks?start=false`): the stack recorded and checked
    /// as `apply` does, its networks, volumes and instance records made, no process started
    /// (`Reconciler.create`). Done before it returns: there is nothing to wait for.
    public nonisolated func create(text: String, path: String, projectName: String?) async throws(AICoreError) -> (Stack, ReconcilePlan) {
        let stack = try await Self.loadSent(text: text, path: path, projectName: projectName,
                                            allowsPrivileged: configuration.allowPrivileged, defaultLogging: configuration.defaultLogging).stack
        return (stack, try await creating(stack))
    }

    private func creating(_ stack: Stack) async throws(AICoreError) -> ReconcilePlan {
        try await checkNode(stack)
        desired[stack.name] = stack
        await cancelOperation(stack.name)
        try await reconciler.prepareNetworks(stack)
        let plan = try await reconciler.create(stack)
        operationStatus[stack.name] = StackOperation(phase: .done, message: nil)
        await publishRoutes(stack)
        return plan
    }

    /// What `apply` would say of a stack file's text, without saving, reserving or making
    /// anything (`config validate`, `POST /v1/stacks/validate`): loaded as `apply` loads it, then
    /// every check of the node `apply` makes before it saves (`checkNode`). Returns the loader's
    /// warnings. `strict: false` keeps "aicore-node cannot run this" findings warnings, as
    /// `config validate` without `--strict` does; `apply` is always strict.
    public nonisolated func validate(text: String, path: String, projectName: String?, strict: Bool = true) async throws(AICoreError) -> [String] {
        let loaded = try await Self.loadSent(text: text, path: path, projectName: projectName, strict: strict,
                                             allowsPrivileged: configuration.allowPrivileged, defaultLogging: configuration.defaultLogging)
        try await checkNode(loaded.stack)
        return loaded.warnings.map(\.description)
    }

    /// Loads a stack sent over the API, off every actor: strict (unless a validation asks
    /// otherwise), with no environment.
    static func loadSent(text: String, path: String, projectName: String?, strict: Bool = true,
                         allowsPrivileged: Bool = false, defaultLogging: LoggingSettings? = nil) async throws(AICoreError) -> LoadedStack {
        var options = StackLoadOptions(files: [path], projectName: projectName, strict: strict, environment: [:])
        options.allowsPrivileged = allowsPrivileged
        options.defaultLogging = defaultLogging
        options.contents = [path: text]
        options.readsDotEnv = false
        let loaded: Result<LoadedStack, StackLoadError>
        do {
            loaded = try await BlockingWork.run { [options] in
                Result { () throws(StackLoadError) -> LoadedStack in try StackLoader.load(options) }
            }
        } catch {
            throw AICoreError(.internalError, "cannot load the stack: \(error)", cause: error)
        }
        switch loaded {
        case .success(let loaded):
            return loaded
        case .failure(let error):
            throw AICoreError(.invalidSpec, "the stack has \(error.errors.count) error(s)", details: error.errors.map(\.description))
        }
    }

    /// Makes `stack` the desired state: stopped instances of it start again (as `up` does),
    /// and the plan is carried out in the background.
    public func apply(_ stack: Stack) async throws(AICoreError) -> ReconcilePlan {
        try await applyRecording(stack).0
    }

    /// `apply`, also returning the stack's revision (new when its spec changed).
    public func applyRecording(_ stack: Stack, cause: String = "apply", pull: PullPolicy? = nil) async throws(AICoreError) -> (ReconcilePlan, Int) {
        try await checkNode(stack)
        let spec = StackPrinter.render(stack, format: .yaml)
        let revision: Int = try await store.saveStack(name: stack.name, specHash: ServiceSpecHash.text(spec), spec: spec)
        desired[stack.name] = stack
        await cancelOperation(stack.name)
        try await startStopped(stack.name, service: nil)
        let plan: ReconcilePlan = try await reconciler.plan(stack)
        // VIPs and networks first (the reconciler would make the same), so that the proxy
        // listens on them while the first replicas start, and takes each as soon as it is ready.
        try await reconciler.prepareNetworks(stack)
        await publishRoutes(stack)
        enqueue(stack, cause: cause, pull: pull)
        return (plan, revision)
    }

    /// Refuses, before anything changes, a stack this node cannot take as it stands: its host
    /// ports, instance names and networks (`checkHostPorts`, `checkInstanceNames`,
    /// `checkNetworks`). Every problem is reported at once, one `details` line each, so that
    /// `up` and `config validate` show them all; a single check's refusal is thrown as it is.
    func checkNode(_ stack: Stack) async throws(AICoreError) {
        var refusals: [AICoreError] = []
        do { try checkHostPorts(stack) } catch { refusals.append(error) }
        do { try checkInstanceNames(stack) } catch { refusals.append(error) }
        do {
            try await checkNetworks(stack)
        } catch where error.code == .conflict {
            refusals.append(error)
        }
        guard let first = refusals.first else { return }
        guard refusals.count > 1 else { throw first }
        throw AICoreError(.conflict, refusals.map(\.message).joined(separator: "; "), details: refusals.flatMap(\.details))
    }

    /// Refuses, before anything changes, a stack that publishes a host port another stack on
    /// this node publishes (Compose's "port is already allocated"): one `details` line per
    /// clash, `services.S.ports[N]: …`, which `up` turns into the file's line and column.
    func checkHostPorts(_ stack: Stack) throws(AICoreError) {
        var clashes: [String] = []
        for service in stack.services {
            for (index, port) in service.ports.enumerated() {
                for (name, other) in desired.sorted(by: { $0.key < $1.key }) where name != stack.name {
                    for otherService in other.services {
                        guard let taken = otherService.ports.first(where: { $0.sharesHostPort(with: port) }) else { continue }
                        clashes.append("services.\(service.name).ports[\(index)]: host port \(port.hostPortText ?? "") is already published by stack \(name) (service \(otherService.name), \(taken.hostPortText ?? ""))")
                    }
                }
            }
        }
        guard let first = clashes.first else { return }
        throw AICoreError(.conflict, "stack \(stack.name) cannot publish its ports: " + first.drop { $0 != " " }.dropFirst(),
                         details: clashes)
    }

    /// Refuses, before anything changes, a stack whose networks this node cannot give it: a
    /// subnet that overlaps another stack's network or a route of the node (the node makes
    /// neither), an `external` network no stack made. One `details` line per problem,
    /// `networks.K…: …`, which `up` turns into the file's line and column.
    func checkNetworks(_ stack: Stack) async throws(AICoreError) {
        let layout = await reconciler.networkLayout(stack)
        var others: [NetworkLease] = []
        for name in desired.keys.sorted() where name != stack.name {
            others += await reconciler.networkLeases(stack: name).values.sorted { $0.name < $1.name }
        }
        var problems: [String] = []
        // Subnets no other network has, for the node's routes: (key, index, subnet).
        var unclaimed: [(key: String, index: Int, subnet: IPv4Network)] = []
        var unclaimed6: [(key: String, subnet: IPv6Network)] = []
        for definition in stack.networks where layout.requests.contains(where: { $0.name == definition.name }) {
            if definition.external {
                var known = others.contains { $0.name == definition.name }
                if !known { known = !(await agent.networkLeases([definition.name])).isEmpty }
                if !known {
                    problems.append("networks.\(definition.key).external: the external network \(definition.name) does not exist on this node; `up` the stack that declares it first")
                }
                continue
            }
            for (index, subnet) in definition.subnets.enumerated() {
                if let other = others.first(where: { $0.name != definition.name && $0.subnet.overlaps(subnet) }) {
                    problems.append("networks.\(definition.key).ipam.config[\(index)].subnet: \(subnet) overlaps \(other.subnet) of network \(other.name) on this node; choose another subnet")
                } else {
                    unclaimed.append((definition.key, index, subnet))
                }
            }
            guard definition.enableIPv6 else { continue }
            // The model keeps the IPv6 entries apart from the IPv4 ones, not where they were
            // written in `ipam.config`: the problem is located at the list.
            for subnet in definition.ipam?.ipv6Config.compactMap(\.subnetValue) ?? [] {
                if let other = others.first(where: { $0.name != definition.name && $0.subnet6?.overlaps(subnet) == true }),
                   let taken = other.subnet6 {
                    problems.append("networks.\(definition.key).ipam.config: the IPv6 subnet \(subnet) overlaps \(taken) of network \(other.name) on this node; choose another subnet")
                } else {
                    unclaimed6.append((definition.key, subnet))
                }
            }
        }
        let routes: [IPv4Network: IPv4Network]
        let routes6: [IPv6Network: IPv6Network]
        do {
            routes = try await agent.hostRouteOverlaps(unclaimed.map { $0.subnet })
            routes6 = try await agent.hostRouteOverlaps6(unclaimed6.map { $0.subnet })
        } catch {
            throw (error as? AICoreError) ?? AICoreError(.internalError, "cannot read the node's routes: \(error)", cause: error)
        }
        for (key, index, subnet) in unclaimed {
            guard let route = routes[subnet] else { continue }
            problems.append("networks.\(key).ipam.config[\(index)].subnet: \(subnet) overlaps the host's route to \(route); choose another subnet")
        }
        for (key, subnet) in unclaimed6 {
            guard let route = routes6[subnet] else { continue }
            problems.append("networks.\(key).ipam.config: the IPv6 subnet \(subnet) overlaps the host's route to \(route); choose another subnet")
        }
        guard let first = problems.first else { return }
        throw AICoreError(.conflict, "stack \(stack.name) cannot have its networks: " + first.drop { $0 != " " }.dropFirst(),
                          details: problems)
    }

    /// Refuses, before anything changes, a stack whose instance names would be another
    /// stack's: names are `<stack>-<service>-<n>` (Compose's), so stack `a-b` service `c` and
    /// stack `a` service `b-c` would share `a-b-c-1`, its state directory, cgroup and Store
    /// record. The replica number has no `-`, so two names are equal exactly when their
    /// `<stack>-<service>` prefixes are. One `details` line per clash, `services.S: …`.
    func checkInstanceNames(_ stack: Stack) throws(AICoreError) {
        var clashes: [String] = []
        for service in stack.services {
            let prefix = "\(stack.name)-\(service.name)"
            for (name, other) in desired.sorted(by: { $0.key < $1.key }) where name != stack.name {
                for otherService in other.services where "\(name)-\(otherService.name)" == prefix {
                    clashes.append("services.\(service.name): instance names \(prefix)-N are already those of stack \(name) (service \(otherService.name)); rename the stack or the service")
                }
            }
        }
        guard let first = clashes.first else { return }
        throw AICoreError(.conflict, "stack \(stack.name) cannot name its instances: " + first.drop { $0 != " " }.dropFirst(),
                         details: clashes)
    }

    /// Runs the apply of `stack` in the background, after any earlier one of it has ended.
    private func enqueue(_ stack: Stack, cause: String = "apply", pull: PullPolicy? = nil) {
        let previous = operations[stack.name]
        previous?.cancel()
        operationStatus[stack.name] = StackOperation(phase: .applying, message: nil)
        operations[stack.name] = Task {
            await previous?.value
            await self.runApply(stack, cause: cause, pull: pull)
        }
    }

    private func runApply(_ stack: Stack, cause: String, pull: PullPolicy?) async {
        let outcome: StackOperation
        do {
            // Every image first, by each service's pull_policy (or built, when it has `build`
            // and the node lacks it): a pull or a build that fails starts nothing.
            try await ensureBuiltImages(stack) { message in
                await self.setOperationMessage(stack.name, message)
            }
            try await ensureImages(stack, override: pull) { message in
                await self.setOperationMessage(stack.name, message)
            }
            try await reconciler.apply(stack, cause: cause)
            outcome = StackOperation(phase: .done, message: nil)
        } catch {
            outcome = Task.isCancelled ? StackOperation(phase: .cancelled, message: "superseded by a newer operation")
                : StackOperation(phase: .failed, message: error.message)
            if !Task.isCancelled {
                logger.error("apply failed: \(error.message)", metadata: ["stack": "\(stack.name)"])
                do {
                    try await store.appendEvents([EventRecord(time: WallClock.rfc3339Now(), stack: stack.name, service: "",
                                                              instance: "", type: "apply-failed", reason: error.message)])
                } catch {
                    logger.error("cannot record the failed apply in the Store: \(error.message)", metadata: ["stack": "\(stack.name)"])
                }
            }
        }
        // A rollback changed the desired state (the failed service's spec went back): take the
        // controller's, unless a newer operation (which cancelled this one) has its own.
        if !Task.isCancelled, let current = await reconciler.stack(named: stack.name) {
            desired[stack.name] = current
        }
        await publishRoutes(desired[stack.name] ?? stack)
        if !Task.isCancelled || outcome.phase != .cancelled { operationStatus[stack.name] = outcome }
    }

    private func setOperationMessage(_ name: String, _ message: String) {
        operationStatus[name] = StackOperation(phase: .applying, message: message)
    }

    private func cancelOperation(_ name: String) async {
        if let task = operations.removeValue(forKey: name) {
            task.cancel()
            await task.value
        }
    }

    /// Waits for the stack's background operation (tests, and the embedded agent's `--wait`).
    public func settle(_ name: String) async {
        await operations[name]?.value
    }

    public func operation(_ name: String) -> StackOperation? { operationStatus[name] }

    /// Every stack on the node.
    public func stackNames() async throws(AICoreError) -> [String] {
        return try await store.stacks().map(\.name)
    }

    public func stack(named name: String) async throws(AICoreError) -> Stack {
        guard let stack = desired[name] else {
            throw AICoreError(.notFound, "no stack \(name) on this node; `aicore-node ps` lists the stacks")
        }
        return stack
    }

    public func revisions(_ name: String) async throws(AICoreError) -> [RevisionRecord] {
        return try await store.revisions(stack: name)
    }

    /// Stops every instance of the stack (dependents first) and forgets it, with its events;
    /// `removeVolumes` removes its named volumes too (`down -v`), also those of a stack that
    /// is down already (a plain `down` keeps them).
    public func down(_ name: String, removeVolumes: Bool) async throws(AICoreError) -> ReconcilePlan {
        let known: Bool
        // `down -v` of a stack that went down already still has its volumes to remove.
        let hasVolumes = removeVolumes ? try await !store.volumes(stack: name).isEmpty : false
        known = try await store.stack(named: name) != nil || hasVolumes
        guard known || desired[name] != nil else {
            throw AICoreError(.notFound, "no stack \(name) on this node; `aicore-node ps` lists the stacks")
        }
        await cancelOperation(name)
        routes.remove(stack: name)
        await routes.publish()
        let plan = try await reconciler.down(stack: name, removeVolumes: removeVolumes)
        try await store.deleteStack(name: name)
        // A new stack of this name starts with a clean history (`inspect`, `events`).
        try await store.deleteEvents(stack: name)
        operationStatus[name] = nil
        desired[name] = nil
        // The logs of its removed instances went with the stack.
        do {
            try await agent.removePreviousLogs(stack: name)
        } catch {
            logger.error("cannot remove the kept logs of removed instances: \(error)", metadata: ["stack": "\(name)"])
        }
        return plan
    }

    // MARK: services

    public func scale(_ name: String, service: String, replicas: Int) async throws(AICoreError) -> ReconcilePlan {
        guard replicas >= 0, replicas <= 1000 else {
            throw AICoreError(.badRequest, "replicas must be between 0 and 1000, not \(replicas)")
        }
        var stack = try await stack(named: name)
        guard let index = stack.services.firstIndex(where: { $0.name == service }) else {
            throw unknownService(service, of: stack)
        }
        stack.services[index].deploy.replicas = replicas
        return try await apply(stack)
    }

    /// Restarts a service and its `restart: true` dependents, in order.
    public func restart(_ name: String, service: String) async throws(AICoreError) -> ReconcilePlan {
        let stack = try await stack(named: name)
        guard stack.service(named: service) != nil else { throw unknownService(service, of: stack) }
        await cancelOperation(name)
        let plan = try await reconciler.restart(stack: name, service: service)
        await publishRoutes(stack)
        return plan
    }

    /// Stops a service's instances without removing them (`docker compose stop`); they stay
    /// stopped, across agent restarts, until `start` or `up`.
    public func stop(_ name: String, service: String) async throws(AICoreError) -> [String] {
        let stack = try await stack(named: name)
        guard stack.service(named: service) != nil else { throw unknownService(service, of: stack) }
        await cancelOperation(name)
        operationStatus[name] = StackOperation(phase: .done, message: nil)
        return await agent.stopKeeping(stack: name, service: service)
    }

    /// Starts a service's stopped instances again (and anything else missing of the stack).
    public func start(_ name: String, service: String) async throws(AICoreError) -> ReconcilePlan {
        let stack = try await stack(named: name)
        guard stack.service(named: service) != nil else { throw unknownService(service, of: stack) }
        return try await apply(stack)
    }

    /// Forgets the stopped instances (of one service, or all) so that the next apply starts
    /// them afresh.
    private func startStopped(_ name: String, service: String?) async throws(AICoreError) {
        let records: [InstanceRecord] = try await store.instances(stack: name)
        for record in records where record.desired == .stopped && (service == nil || record.service == service) {
            do {
                try await agent.stop(stack: name, instance: record.id)
            } catch {
                throw AICoreError(.internalError, "cannot clear stopped instance \(record.id): \(error)", cause: error)
            }
        }
    }

    func unknownService(_ service: String, of stack: Stack) -> AICoreError {
        AICoreError(.notFound, "stack \(stack.name) has no service \(service); it has \(stack.services.map(\.name).joined(separator: ", "))")
    }

    // MARK: routes

    /// Sets the routes of `stack` and, unless `sending` is false, has the proxy serve them.
    private func publishRoutes(_ stack: Stack, sending: Bool = true) async {
        let addresses = (try? await vips.vips(stack: stack.name)) ?? [:]
        let records = (try? await store.instances(stack: stack.name)) ?? []
        let layout = await reconciler.networkLayout(stack)
        let leases = await reconciler.networkLeases(stack: stack.name)
        var bridged: [String: RouteTable.BridgeEndpoints] = [:]
        for service in stack.services {
            guard case let .bridge(joins)? = layout.placements[service.name], let first = joins.first else { continue }
            var vips: [String: String] = [:]
            var aliases: [String: [String]] = [:]
            for join in joins {
                guard let vip = leases[join.network]?.vips(of: stack.name)[service.name] else { continue }
                vips[join.network] = vip.description
                let key = stack.networks.first { $0.name == join.network }?.key ?? Stack.defaultNetworkKey
                aliases[join.network] = service.networks.first { $0.name == key }?.aliases ?? []
            }
            bridged[service.name] = RouteTable.BridgeEndpoints(vips: vips, network: first.network, aliases: aliases)
        }
        routes.load(records)
        routes.set(stack: stack, vips: addresses.mapValues(\.description), bridged: bridged)
        if sending { await routes.publish() }
    }

    // MARK: shutdown

    /// Lets go of every instance (they keep running for the next agent), or stops them all
    /// when the configuration says so (the embedded agent).
    public func shutdown() async {
        for task in operations.values { task.cancel() }
        for task in operations.values { await task.value }
        operations = [:]
        await agent.release(stoppingInstances: configuration.stopWorkloadsOnExit)
        await agent.images?.shutdown()
        observer.finish()
    }
}

/// How the last background operation of a stack went.
public struct StackOperation: Sendable, Equatable {
    public enum Phase: String, Sendable, Codable {
        case applying, done, failed, cancelled
    }
    public var phase: Phase
    public var message: String?
}
