import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSystem
import Logging

/// Owns the `TaskRunner`s of one stack. On start it re-adopts what an earlier agent left: live
/// instances keep running untouched (pid + start time + cgroup membership, then a pidfd),
/// instances that exited meanwhile are handled from their exit files by their restart policy,
/// back-offs resume with the time they had left, and instances never seen are started.
public actor Supervisor<C: Clock> where C.Duration == Duration, C.Instant: Sendable {
    public typealias Runner = TaskRunner<C>

    public let stack: Stack
    private let driver: any TaskDriver
    private let store: any Store
    private let prober: any ProbeExecutor
    private let clock: C
    private let layout: SupervisorLayout
    private let jitter: Jitter
    private let logger = Logger(label: "aicore.supervisor")
    private var runners: [String: Runner] = [:]
    /// Instance ids per service, in start order.
    private var order: [(service: String, ids: [String])] = []
    /// Ports of instances an operator restarts, for their next launch (their records are gone).
    private var retainedPorts: [String: Int] = [:]
    /// Per instance whose network namespace others share, the watch on its runner's starts.
    private var namespaceOwners: [String: (runner: Runner, watch: Task<Void, Never>)] = [:]

    public init(stack: Stack, driver: any TaskDriver, store: any Store, prober: any ProbeExecutor, clock: C,
                layout: SupervisorLayout, jitter: Jitter = .standard) {
        self.stack = stack
        self.driver = driver
        self.store = store
        self.prober = prober
        self.clock = clock
        self.layout = layout
        self.jitter = jitter
    }

    /// Runs nothing and holds nothing for an instance coming back: the agent may forget it.
    public var isIdle: Bool { runners.isEmpty && retainedPorts.isEmpty }

    public var instances: [String: Runner] { runners }
    public func runner(_ id: String) -> Runner? { runners[id] }

    /// Re-adopts or starts every instance of the stack, services in dependency order. Returns
    /// the runners (their events say what each did).
    @discardableResult
    public func start() async throws -> [Runner] {
        let specText = "\(stack)"
        _ = try await store.saveStack(name: stack.name, specHash: ServiceSpecHash.text(specText), spec: specText)
        var started: [Runner] = []
        for service in TaskSpecBuilder.startOrder(stack.services) {
            let replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
            try await store.saveService(ServiceRecord(stack: stack.name, name: service.name, revision: 1,
                                                      specHash: ServiceSpecHash.text("\(service)"), replicas: replicas))
            for replica in (replicas == 0 ? [] : Array(1...replicas)) {
                started.append(try await launch(service, replica: replica, replicas: replicas))
            }
        }
        return started
    }

    /// Re-adopts or starts one instance of `service` (the controller's unit of work) and returns
    /// its runner. `network` puts it on its bridge networks, or (host networking) adds the
    /// service's VIP (`AICORE_SERVICE_IP`) to its environment; the other services' names go to
    /// its /etc/hosts. An instance this supervisor already runs is returned as it is.
    @discardableResult
    /// `image`: the image the service names, as the node has it; its config fills what the
    /// stack file leaves unsaid (`ImageDefaults`), its layers are the instance's root.
    public func launch(_ service: Service, replica: Int, replicas: Int,
                       network: InstanceNetwork = InstanceNetwork(), image: RunImage? = nil) async throws -> Runner {
        let identity = InstanceIdentity(stack: stack.name, service: service.name, replica: replica)
        if let runner = runners[identity.id] { return runner }
        let record = try await store.instance(id: identity.id)
        let previousPort = record?.ports.first ?? retainedPorts.removeValue(forKey: identity.id)
        // On bridge networks every replica has an address of its own: all listen on the
        // service's port, and the proxy reaches each at its address.
        let port = network.isBridged ? service.ports.first?.target
            : try TaskSpecBuilder.instancePort(service, replicas: replicas, previous: previousPort)
        // Building the spec reads the host (a seccomp profile file) and makes a missing volume
        // directory: on a thread of its own, never on this actor.
        let (stackName, layout) = (stack.name, layout)
        let running = try image.map { image throws(TaskSpecBuilder.Failure) in try ImageDefaults.apply(image.configuration, to: service) } ?? service
        var spec = try await BlockingWork.run {
            try TaskSpecBuilder.build(running, stack: stackName, identity: identity, layout: layout, port: port, imageRoot: image?.root)
        }
        network.apply(to: &spec)
        let (entry, snapshot) = await recover(identity, spec: spec, record: record)
        let ports = port.map { [$0] } ?? service.ports.map(\.target)
        var configuration = RunnerConfiguration(service: running, identity: identity, taskSpec: spec, ports: ports)
        configuration.addresses = network.addresses.mapValues(\.description)
        configuration.addresses6 = network.addresses6.mapValues(\.description)
        configuration.probeHost = network.attachments.first.map(\.address.description)
        // The revision is the stack file's service, not what the image filled in.
        configuration.specHash = ServiceSpecHash.of(service)
        if service.logging?.driver == .journald, let sink = layout.journal {
            let values = LogTag.Values(name: identity.id, imageName: service.image ?? "")
            let source = JournalEntry.Source(instance: identity.id, stack: stack.name, service: service.name,
                                             tag: service.logging?.tag?.render(values) ?? identity.id, imageName: service.image)
            configuration.journal = JournalForwarding(source: source, sink: sink)
        }
        let runner = Runner(configuration: configuration,
                            driver: driver, prober: prober, clock: clock, store: store, jitter: jitter, restoring: snapshot,
                            restoringProbes: record.map { ProbeSnapshot(health: $0.health, ready: $0.ready) })
        runners[identity.id] = runner
        if let index = order.firstIndex(where: { $0.service == service.name }) {
            order[index].ids.append(identity.id)
        } else {
            order.append((service.name, [identity.id]))
        }
        await runner.run(from: entry)
        if case let .joining(owner) = spec.network { watchStarts(ofNamespaceOwner: owner) }
        if namespaceOwners[identity.id] != nil { watchStarts(ofNamespaceOwner: identity.id) }
        return runner
    }

    // MARK: shared network namespaces

    /// Instances that share `owner`'s namespace (`network_mode: service:X`) live in the one of
    /// the process they joined. When `owner` starts a new process (its restart policy, a
    /// liveness kill, a new runner), that namespace keeps only them: its links went with the old
    /// process. So each start of `owner` starts them again in the new one, as a pod's
    /// containers start again when its sandbox is replaced.
    private func watchStarts(ofNamespaceOwner owner: String) {
        guard let runner = runners[owner] else {
            // Not launched yet: its launch starts the watch.
            namespaceOwners[owner] = nil
            return
        }
        if let watched = namespaceOwners[owner], watched.runner === runner { return }
        namespaceOwners[owner]?.watch.cancel()
        let watch = Task { [weak self] in
            var seen: Int32?
            while !Task.isCancelled {
                let known = seen
                let started: @Sendable (Runner.Status) -> Bool = { $0.finished || ($0.pid != nil && $0.pid != known) }
                let status = await runner.waitUntil(started)
                // Detached (the agent leaving) or cancelled: the condition does not hold.
                guard started(status), !status.finished, let pid = status.pid else { return }
                seen = pid
                await self?.restartJoiners(of: owner, runner: runner)
            }
        }
        namespaceOwners[owner] = (runner, watch)
    }

    /// Starts again each instance sharing `owner`'s namespace that is not in its current one.
    private func restartJoiners(of owner: String, runner: Runner) async {
        guard let ownerHandle = await runner.currentHandle else { return }
        let joiners = runners.values.filter { if case .joining(owner) = $0.configuration.taskSpec.network { true } else { false } }
        for joiner in joiners {
            guard let handle = await joiner.currentHandle else {
                // Waiting to start again (its last start found no namespace to join): now.
                await joiner.restartNow(reason: "\(owner), whose network it shares, is running again")
                continue
            }
            let driver = self.driver
            let (theirs, its) = (try? await BlockingWork.run { (driver.networkNamespace(of: ownerHandle), driver.networkNamespace(of: handle)) }) ?? (nil, nil)
            guard let theirs, let its, theirs != its else { continue }
            await joiner.restartNow(reason: "\(owner), whose network it shares, started again in a new network namespace")
        }
    }

    /// Stops one instance (stop signal, then SIGKILL after its grace period), waits for it to
    /// exit and forgets it; its Store record is removed. Unknown ids: nothing to do.
    /// `retainingPort`: an operator's restart; the next `launch` of the same instance takes
    /// the port it had, as its restart policy's restarts do.
    public func remove(instance id: String, retainingPort: Bool = false) async throws {
        if retainingPort, let port = try await store.instance(id: id)?.ports.first { retainedPorts[id] = port }
        guard let runner = runners.removeValue(forKey: id) else {
            try await store.deleteInstance(id: id)
            return
        }
        for index in order.indices { order[index].ids.removeAll { $0 == id } }
        if namespaceOwners[id]?.runner === runner { namespaceOwners[id]?.watch.cancel() }
        await runner.stop()
        await runner.detach()
        // Nothing of it stays behind: no state directory, no exec socket.
        try await runner.discard()
        try await store.deleteInstance(id: id)
        await keepPreviousLogs(of: id)
    }

    /// Moves a removed instance's logs aside, replacing those of the one removed before it
    /// under the same name: a new instance of that name starts a log of its own, and the old
    /// one's evidence (why it failed) stays readable until the stack goes down.
    private func keepPreviousLogs(of id: String) async {
        let current = layout.logDirectory(for: id)
        let previous = layout.previousLogDirectory(stack: stack.name, id: id)
        let parent = layout.previousLogsDirectory(stack: stack.name)
        do {
            try await BlockingWork.run {
                guard FileIO.isDirectory(current) else { return }
                try FileIO.makeDirectories(parent, mode: 0o711)
                if FileIO.exists(previous) { try FileIO.removeTree(previous) }
                try FileIO.rename(current, to: previous)
            }
        } catch {
            // The logs stay where they were: the next instance of the name appends to them.
            let reason = "cannot keep the logs of \(id) aside: \(error)"
            do {
                try await store.appendEvents([EventRecord(time: WallClock.rfc3339Now(), stack: stack.name, service: "", instance: id,
                                                          type: "logs-not-kept", reason: reason)])
            } catch {
                logger.error("\(reason); and cannot record that in the Store: \(error.message)")
            }
        }
    }

    /// Decides how an instance's runner begins, from its Store record and what is on the host.
    func recover(_ identity: InstanceIdentity, spec: TaskSpec,
                 record: InstanceRecord?) async -> (Runner.Entry, RestartTracker<C>.Snapshot) {
        guard let record, record.desired == .running else {
            // Never seen, or stopped on purpose by the last agent: this one is asked to run it.
            return (.start, .init())
        }
        let snapshot = RestartTracker<C>.Snapshot(restarts: record.restartCount, consecutive: record.consecutiveFailures,
                                                  attemptAges: WallClock.ages(ofUnixMilliseconds: record.restartAttempts))
        let state = record.state
        switch state {
        case .created, .pending:
            // Never started (a pending record was not placed when it was written).
            return (.start, snapshot)
        case .starting, .running, .healthy, .unhealthy, .paused, .stopping:
            guard let handle = try? await driver.recover(id: identity.id, spec: spec) else {
                // No task record: the last agent died before the start completed. The runner's
                // start discards whatever half-started and starts it once.
                return (.start, snapshot)
            }
            if handle.pidfd != nil, await isSameProcess(handle) {
                return (.adopted(handle), snapshot)
            }
            if state == .starting, await !driver.hasRecordedExit(handle) {
                // The last agent died during the start, between recording the task and releasing
                // its init: the init exits (125) when the agent goes, having run nothing, and
                // records no exit. A start cut short, not an exit of the workload: start it
                // again, counting no restart (a rollout would take it for a failure of the new
                // version). A workload that did run and exit has its exit recorded by the init.
                return (.start, snapshot)
            }
            return (.exitedWhileAway(handle), snapshot)
        case .backoff:
            let left = max(0, (record.backoffUntil ?? 0) - WallClock.nowMilliseconds())
            return (.backoff(remaining: .milliseconds(left),
                             reason: "Back-off \(DurationText.format(.milliseconds(left))) left restarting failed instance (resumed after an agent restart)"),
                    snapshot)
        case .exited where !record.exitHandled:
            // Killed between an exit and its restart decision: decide now.
            let code = record.lastExitCode ?? 1
            return (.decide(code == 0 ? .exited(code: 0) : .exited(code: code)), snapshot)
        case .exited, .failed:
            return (.settled(state), snapshot)
        }
    }

    /// pid, start time and cgroup all agree: this is the instance's init, not a reused pid.
    /// Read in /proc on a thread of its own, never on this actor.
    private nonisolated func isSameProcess(_ handle: TaskHandle) async -> Bool {
        // The fake driver has no /proc presence; a real handle always carries its cgroup.
        guard let cgroup = handle.cgroup else { return true }
        let (pid, startTime, path) = (handle.pid, handle.startTime, cgroup.relativePath)
        // The body never throws.
        return (try? await BlockingWork.run {
            ProcessIdentity.startTime(pid) == startTime && ProcessIdentity.isMember(pid, of: path)
        }) ?? false
    }

    /// Stops every instance, dependents before their dependencies; waits for all to exit.
    public func stopAll() async {
        for (_, ids) in order.reversed() {
            await withTaskGroup(of: Void.self) { group in
                for id in ids {
                    guard let runner = runners[id] else { continue }
                    group.addTask { await runner.stop() }
                }
            }
        }
    }

    /// Lets go of every instance without touching its process (an agent shutting down for an
    /// upgrade): the next agent re-adopts them.
    public func detachAll() async {
        for runner in runners.values { await runner.detach() }
    }
}
