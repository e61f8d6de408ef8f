import AICoreErrors
import AICoreController
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import Foundation

extension ControlPlane {
    /// A stack's revision, last operation and services.
    public func status(of name: String) async throws(AICoreError) -> StackStatus {
        let stack = try await stack(named: name)
        let record: StackRecord?
        let services: [ServiceRecord]
        let instances: [InstanceStatus]
        record = try await store.stack(named: name)
        services = try await store.services(stack: name)
        instances = try await self.instances(stack: name)
        let addresses = (try? await vips.vips(stack: name)) ?? [:]
        let statuses = stack.services.map { service in
            Self.serviceStatus(service, stack: name, instances: instances.filter { $0.service == service.name },
                               vip: addresses[service.name]?.description,
                               specHash: services.first { $0.name == service.name }?.specHash)
        }
        let operation = self.operation(name)
        return StackStatus(name: name, revision: record?.currentRevision ?? 0, updatedAt: record?.updatedAt,
                           operation: operation.map { StackStatus.Operation(phase: $0.phase.rawValue, message: $0.message) },
                           services: statuses,
                           converged: (operation?.phase ?? .done) == .done && statuses.allSatisfy(\.converged),
                           configFiles: record.map(\.configFiles).flatMap { $0.isEmpty ? nil : $0 })
    }

    static func serviceStatus(_ service: Service, stack: String, instances: [InstanceStatus], vip: String?,
                              specHash: String?) -> ServiceStatus {
        let desired = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
        let running = instances.filter(\.state.isUp).count
        let ready = instances.filter(\.ready).count
        let completed = instances.filter { $0.state == .exited && $0.lastExitCode == 0 && $0.desired == .running }.count
        // Only for good: an instance between its exit and its restart is not failed yet. Only
        // the desired revision's: a rollout replaces a failed replica of an earlier one, so
        // `up --wait` of a fix waits for the fix rather than failing on what it replaces.
        let desiredHash = ServiceSpecHash.of(service)
        let failed = instances.filter {
            $0.desired == .running && $0.finished != false && ($0.specHash ?? desiredHash) == desiredHash
                && ($0.state == .failed || ($0.state == .exited && ($0.lastExitCode ?? 1) != 0))
        }.count
        let pending = instances.filter { $0.state == .pending }.count
        let stopped = instances.filter { $0.desired == .stopped }.count
        let ports = service.ports.compactMap { port -> String? in
            guard let published = port.published else { return nil }
            let range = published.count == 1 ? "\(published.lowerBound)" : "\(published.lowerBound)-\(published.upperBound)"
            return "\(port.hostIP ?? "0.0.0.0"):\(range)->\(port.target)/\(port.transport.rawValue)"
        }
        return ServiceStatus(stack: stack, name: service.name, desired: desired, running: running, ready: ready,
                             completed: completed, failed: failed, pending: pending, stopped: stopped, vip: vip, ports: ports,
                             converged: instances.count >= desired && ready + completed >= desired && pending == 0 && failed == 0,
                             specHash: specHash, dependsOn: service.dependsOn.map(\.service))
    }

    /// Instances of one stack (or all), live from their runners where they have one.
    public func instances(stack: String? = nil, service: String? = nil, stats: Bool = false) async throws(AICoreError) -> [InstanceStatus] {
        let records: [InstanceRecord] = try await store.instances(stack: stack)
        var result: [InstanceStatus] = []
        for record in records where service == nil || record.service == service {
            result.append(await status(of: record, detail: false, stats: stats))
        }
        return result.sorted { ($0.stack, $0.service, $0.replica) < ($1.stack, $1.service, $1.replica) }
    }

    /// One instance, with its probe log, cgroup figures and last events.
    public func instance(_ id: String) async throws(AICoreError) -> InstanceStatus {
        let record = try await instanceRecord(id)
        return await status(of: record, detail: true, stats: true)
    }

    func instanceRecord(_ id: String) async throws(AICoreError) -> InstanceRecord {
        let record: InstanceRecord? = try await store.instance(id: id)
        guard let record else {
            throw AICoreError(.notFound, "no instance \(id) on this node; `aicore-node ps` lists them")
        }
        return record
    }

    private func status(of record: InstanceRecord, detail: Bool, stats: Bool) async -> InstanceStatus {
        var status = InstanceStatus(
            id: record.id, stack: record.stack, service: record.service, replica: record.replica, state: record.state,
            desired: record.desired, health: record.health, ready: record.ready, pid: record.pid, restarts: record.restartCount,
            lastExit: record.lastExit, lastExitCode: record.lastExitCode, lastExitAt: record.lastExitAt, startedAt: record.startedAt,
            ports: record.ports, cgroup: record.cgroupPath, reason: record.statusReason)
        status.specHash = record.specHash
        status.addresses = record.addresses
        status.addresses6 = record.addresses6
        // The node's runner knows better than the record, which may lag a write behind. With
        // `detail`, its events up to this state are in the Store once it answers.
        if let live = await agent.status(stack: record.stack, instance: record.id, detail: detail, stats: stats) {
            status.state = live.state
            status.pid = live.pid
            status.restarts = live.restartCount
            // A runner that re-adopted a settled instance knows no exit of its own yet.
            status.lastExit = live.lastExit ?? record.lastExit
            status.lastExitCode = live.lastExitCode ?? record.lastExitCode
            status.health = live.health
            status.ready = live.ready
            status.finished = live.finished
            if detail { status.probeLog = live.probeLog }
            status.stats = live.stats.map(InstanceStats.init)
        } else if detail, let text = record.probeLog {
            status.probeLog = try? JSONDecoder().decode([ProbeResult].self, from: Data(text.utf8))
        }
        if detail {
            status.events = ((try? await store.events(instance: record.id, limit: 20)) ?? []).map(EventMessage.init)
            status.labels = desired[record.stack]?.service(named: record.service)?.labels
        }
        return status
    }

    // MARK: logs and exec

    /// The instance's log reader (its rotated files).
    public func logReader(_ id: String) async throws(AICoreError) -> LogReader {
        let record = try await instanceRecord(id)
        if let service = desired[record.stack]?.service(named: record.service), service.logging?.driver == LoggingSettings.Driver.none {
            throw AICoreError(.conflict, "service \(record.service) uses logging driver none: its output is not kept")
        }
        return agent.logReader(instance: record.id)
    }

    /// The stack's removed instances whose logs are kept (`logs --previous`), by name.
    public func previousInstances(stack: String) async throws(AICoreError) -> [String] {
        do {
            return try await agent.previousLogs(stack: stack)
        } catch {
            throw AICoreError(.internalError, "cannot list the kept logs of stack \(stack): \(error)", cause: error)
        }
    }

    /// The kept logs of a removed instance of the stack.
    public func previousLogReader(stack: String, id: String) async throws(AICoreError) -> LogReader {
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else {
            throw AICoreError(.badRequest, "`\(id)` is not an instance name")
        }
        guard try await previousInstances(stack: stack).contains(id) else {
            throw AICoreError(.notFound, "stack \(stack) kept no logs of a removed instance \(id)")
        }
        return agent.previousLogReader(stack: stack, instance: id)
    }

    /// Runs `command` inside the running instance and returns its exit code and output.
    public func exec(_ id: String, _ request: ExecRequest) async throws(AICoreError) -> ExecResult {
        guard !request.command.isEmpty, !request.command[0].isEmpty else {
            throw AICoreError(.badRequest, "exec needs a command: {\"command\": [\"sh\", \"-c\", \"…\"]}")
        }
        let timeout = request.timeoutSeconds ?? 60
        guard timeout > 0, timeout <= 3600 else {
            throw AICoreError(.badRequest, "timeout_seconds must be more than 0 and at most 3600, not \(timeout)")
        }
        let options = try request.options()
        let record = try await instanceRecord(id)
        if request.privileged == true, desired[record.stack]?.service(named: record.service)?.privileged != true {
            throw AICoreError(.badRequest, "a privileged exec needs a privileged service: \(record.service) is not `privileged: true`, and a process never holds more than its instance")
        }
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        let outcome: ExecOutcome?
        do {
            outcome = try await agent.exec(stack: record.stack, instance: record.id, command: request.command, options: options,
                                           timeout: limit, outputLimit: 1 << 20)
        } catch {
            // Docker's codes: 127 not found, 126 not executable, 125 the runtime failed.
            return ExecResult(exitCode: (error as? AICoreError)?.exitCode ?? 125, output: "", error: "\(error)")
        }
        guard let ran = outcome else {
            throw AICoreError(.conflict, "instance \(id) is not running (state \(record.state)); nothing to exec into")
        }
        switch ran.ending {
        case let .exited(status):
            return ExecResult(exitCode: status.exitCode, output: ran.output)
        case .timedOut:
            return ExecResult(exitCode: nil, output: ran.output, error: "the command was killed after \(DurationText.format(limit)) (its timeout)")
        case .lost:
            return ExecResult(exitCode: nil, output: ran.output, error: "instance \(id) stopped while the command ran")
        }
    }

    /// The newest `limit` events (of one stack when given), oldest first.
    public func recentEvents(stack: String?, limit: Int) async throws(AICoreError) -> [EventMessage] {
        let events = try await store.events(instance: nil, limit: stack == nil ? limit : max(limit, 1000))
        let chosen = stack.map { name in events.filter { $0.stack == name } } ?? events
        return chosen.suffix(limit).map(EventMessage.init)
    }
}
