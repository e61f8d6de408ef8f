import AICoreErrors
import AICoreSpec
import AICoreStore
import AICoreSupervisor

/// The rollout engine: Kubernetes RollingUpdate over one service's replicas, driven by what the
/// runners record. Each look at the replicas decides what may happen next:
///
/// - old replicas that are not ready go first (they serve nobody);
/// - a ready old replica is drained (out of the proxy's rotation, open connections finished or
///   `drain_timeout` passed) and stopped while ready replicas stay at or above `minAvailable`;
/// - new replicas start, taking free replica numbers, while old + new stay within desired +
///   `maxSurge`;
/// - a new replica is available once ready for `min_ready`; the rollout is complete when only
///   new replicas remain, all available, and none failed for `monitor` after that.
///
/// A new replica that exits, restarts or turns unhealthy, beyond `max_failure_ratio`, or no
/// progress for `progress_deadline`, fails the rollout: `failure_action` then rolls back to the
/// last good revision (with the same care), pauses, or goes on. The `RolloutRecord` says where it
/// stands, so an agent that restarts mid-rollout resumes it (the plan hands the mixed service
/// to the engine again).
extension Reconciler {
    enum RolloutOutcome: Sendable {
        case complete
        case failed(reason: String, instances: [String])
        case cancelled
    }

    func rollOut(_ name: String, to hash: String, replicas: Int, stack: Stack, network: InstanceNetwork) async throws(AICoreError) {
        guard let service = stack.service(named: name) else { return }
        let recordedHash = try await store.services(stack: stack.name).first { $0.name == name }?.specHash
        let revisions = try await store.serviceRevisions(stack: stack.name, service: name)
        let existing = try await store.rollouts(stack: stack.name).first { $0.service == name }
        var record: RolloutRecord
        if let existing, existing.isActive, existing.toHash == hash {
            record = existing
            try await rolloutEvent(stack.name, name, "rollout-resumed", "resuming the \(existing.state.rawValue) rollout to revision \(existing.revision)")
        } else {
            // A new spec supersedes whatever the last rollout was doing, paused or failed
            // included: the operator's newest word wins, as a Deployment's new template does.
            let from = existing?.isActive == true ? existing?.fromHash : recordedHash
            let rollbackHash = try await lastAvailableHash(service: name, stack: stack.name, recordedHash: recordedHash, last: existing)
            record = RolloutRecord(
                stack: stack.name, service: name, state: .progressing,
                revision: revisions.last { $0.specHash == hash }?.revision ?? 0, toHash: hash,
                fromRevision: from.flatMap { from in revisions.last { $0.specHash == from }?.revision } ?? 0, fromHash: from,
                startedAt: WallClock.rfc3339Now(), rollbackHash: rollbackHash == hash ? nil : rollbackHash)
            try await saveRollout(record)
            try await rolloutEvent(stack.name, name, "rollout-started",
                                   "rolling out revision \(record.revision) (\(hash)) over revision \(record.fromRevision), \(replicas) replica(s)")
        }
        let rollingBack = record.state == .rollingBack
        var ignored: Set<String> = []
        while true {
            let policy = RolloutPolicy.of(service, replicas: replicas, rollback: rollingBack)
            let outcome = await drive(service: service, hash: hash, fromHash: record.fromHash, replicas: replicas, policy: policy,
                                      stack: stack, network: network, ignoring: ignored)
            switch outcome {
            case .cancelled:
                return
            case .complete:
                try await store.saveService(ServiceRecord(stack: stack.name, name: name, revision: record.revision,
                                                          specHash: hash, replicas: replicas))
                record.state = rollingBack ? .rolledBack : .complete
                try await saveRollout(record)
                if rollingBack {
                    try await rolloutEvent(stack.name, name, "rollout-rolled-back", "rolled back to revision \(record.revision): \(record.reason ?? "")")
                    throw AICoreError(code: .rolloutFailed,
                                          message: "\(name): rollout failed and was rolled back to revision \(record.revision): \(record.reason ?? "failed")")
                }
                try await rolloutEvent(stack.name, name, "rollout-complete", "revision \(record.revision): \(replicas) replica(s) updated and available")
                return
            case let .failed(reason, instances):
                let action: UpdateConfig.FailureAction = rollingBack ? .pause : policy.failureAction
                try await rolloutEvent(stack.name, name, "rollout-failed", reason)
                switch action {
                case .rollback:
                    guard let target = record.rollbackHash, target != hash,
                          let previous = try await serviceSpec(stack: stack.name, service: name, hash: target) else {
                        record.state = .failed
                        record.reason = reason + "; not rolled back: no earlier revision of \(name) was ever available"
                        try await saveRollout(record)
                        throw AICoreError(code: .rolloutFailed, message: "\(name): \(record.reason ?? reason)")
                    }
                    try await rollBack(record: record, reason: reason, to: previous, stack: stack, replicas: replicas, network: network)
                    return
                case .pause:
                    record.state = .paused
                    record.reason = reason
                    try await saveRollout(record)
                    try await rolloutEvent(stack.name, name, "rollout-paused", "paused: \(reason); `rollout resume` or `rollout undo`")
                    ignored.formUnion(instances)
                case .continue:
                    ignored.formUnion(instances)
                }
            }
        }
    }

    /// The newest revision of the service known to have been available, for a rollout that
    /// starts now to fall back to: the fallback of the last rollout while it was still under
    /// way (its own target never became available; a rollback has none, its target failed as
    /// well), the target of a last rollout that completed, else the recorded revision when one
    /// of its replicas is ready now.
    private func lastAvailableHash(service: String, stack: String, recordedHash: String?,
                                   last: RolloutRecord?) async throws(AICoreError) -> String? {
        if let last {
            switch last.state {
            case .progressing, .paused:
                if let fallback = last.rollbackHash { return fallback }
            case .complete, .rolledBack:
                if last.toHash == recordedHash { return recordedHash }
            case .rollingBack, .failed:
                break
            }
        }
        guard let recordedHash else { return nil }
        let records = try await store.instances(stack: stack)
        return records.contains { $0.service == service && $0.specHash == recordedHash && $0.ready } ? recordedHash : nil
    }

    /// Makes `previous` the service's spec again and rolls it out with the rollback policy.
    private func rollBack(record failed: RolloutRecord, reason: String, to previous: Service, stack: Stack, replicas: Int,
                          network: InstanceNetwork) async throws(AICoreError) {
        var stack = stack
        guard let index = stack.services.firstIndex(where: { $0.name == previous.name }) else { return }
        var service = previous
        service.deploy.replicas = stack.services[index].deploy.replicas
        stack.services[index] = service
        let spec = StackPrinter.render(stack, format: .yaml)
        let stackRevision = try await store.saveStack(name: stack.name, specHash: ServiceSpecHash.text(spec), spec: spec)
        applied[stack.name] = stack
        let hash = ServiceSpecHash.of(service)
        let pinned = try await pinnedRevisions(stack.name)[service.name] ?? []
        let revision = try await store.recordServiceRevision(stack: stack.name, service: service.name, specHash: hash, stackRevision: stackRevision,
                                              cause: "rollback from revision \(failed.revision)", keep: service.aicore.rollout.revisionHistory,
                                              pinned: pinned)
        let record = RolloutRecord(stack: stack.name, service: service.name, state: .rollingBack, revision: revision.revision,
                                   toHash: hash, fromRevision: failed.revision, fromHash: failed.toHash, reason: reason,
                                   startedAt: WallClock.rfc3339Now())
        try await saveRollout(record)
        try await rolloutEvent(stack.name, service.name, "rollout-rolling-back", "rolling back to revision \(revision.revision): \(reason)")
        try await rollOut(service.name, to: hash, replicas: replicas, stack: stack, network: network)
    }

    /// The spec `service` had at the revision with `hash`, read back from its stack revision.
    public func serviceSpec(stack: String, service: String, hash: String) async throws(AICoreError) -> Service? {
        let revisions = try await store.serviceRevisions(stack: stack, service: service)
        guard let revision = revisions.last(where: { $0.specHash == hash }) else { return nil }
        let stacks = try await store.revisions(stack: stack)
        guard let text = stacks.first(where: { $0.revision == revision.stackRevision })?.spec,
              let loaded = StoredStackSpec.load(name: stack, spec: text) else { return nil }
        return loaded.service(named: service)
    }

    // MARK: driving

    /// Moves the service's replicas towards `replicas` of `hash` until complete, failed or
    /// cancelled. `ignoring`: failed replicas a `pause` or `continue` already accounted for.
    private func drive(service: Service, hash: String, fromHash: String?, replicas: Int, policy: RolloutPolicy, stack: Stack,
                       network: InstanceNetwork, ignoring ignored: Set<String>) async -> RolloutOutcome {
        var readySince: [String: C.Instant] = [:]
        var lastProgress = clock.now
        var progressMark = (available: -1, old: -1)
        var completeSince: C.Instant?
        while !Task.isCancelled {
            let now = clock.now
            guard let look = try? await lookAt(service.name, stack: stack.name, hash: hash, fromHash: fromHash) else {
                if (try? await clock.sleep(for: rolloutPoll)) == nil { return .cancelled }
                continue
            }
            if look.paused {
                lastProgress = now
                if (try? await clock.sleep(for: rolloutPoll)) == nil { return .cancelled }
                continue
            }
            for instance in look.new {
                // A one-shot (a migration) that completed is as good as ready.
                let done = instance.ready || Self.hasCompleted(instance)
                readySince[instance.id] = done ? (readySince[instance.id] ?? now) : nil
            }
            let available = look.new.filter { readySince[$0.id].map { $0.duration(to: now) >= policy.minReady } ?? false }
            let failed = look.new.filter { Self.hasFailed($0) && !ignored.contains($0.id) }
            if !failed.isEmpty && Double(failed.count) > policy.maxFailureRatio * Double(max(replicas, 1)) {
                let reasons = failed.map { "\($0.id) \(Self.failure(of: $0))" }
                return .failed(reason: "new replica(s) failed: " + reasons.joined(separator: "; "), instances: failed.map(\.id))
            }
            if progressMark != (available.count, look.old.count) {
                progressMark = (available.count, look.old.count)
                lastProgress = now
            }
            if lastProgress.duration(to: now) > policy.progressDeadline {
                return .failed(reason: "no progress for \(DurationText.format(policy.progressDeadline)) (progress_deadline): \(available.count) of \(replicas) new replica(s) available, \(look.old.count) old left",
                               instances: [])
            }

            var stops: [InstanceRecord] = []
            var starts = 0
            if look.old.isEmpty && look.new.count >= replicas && available.count >= replicas {
                if look.new.count > replicas {
                    let extra = look.new.sorted { (readySince[$0.id] == nil ? 0 : 1, -$0.replica) < (readySince[$1.id] == nil ? 0 : 1, -$1.replica) }
                    stops = Array(extra.prefix(look.new.count - replicas))
                } else {
                    let since = completeSince ?? now
                    completeSince = since
                    if since.duration(to: now) >= policy.monitor { return .complete }
                }
            } else {
                completeSince = nil
                // Old replicas that serve nobody go at once; ready ones while the floor allows.
                let oldReady = look.old.filter(\.ready).sorted { $0.replica > $1.replica }
                stops = look.old.filter { !$0.ready }
                var spare = oldReady.count + available.count - policy.minAvailable
                for instance in oldReady where spare > 0 {
                    stops.append(instance)
                    spare -= 1
                }
                let remaining = look.old.count - stops.count + look.new.count
                starts = max(0, min(replicas - look.new.count, replicas + policy.maxSurge - remaining))
            }
            if stops.isEmpty && starts == 0 {
                if (try? await clock.sleep(for: rolloutPoll)) == nil { return .cancelled }
                continue
            }
            do {
                try await stopDrained(stops, stack: stack.name, service: service, reason: look.old.contains { $0.id == stops.first?.id } ? "replaced" : "surplus")
                let numbers = Self.freeReplicaNumbers(count: starts, used: Set(look.all.map(\.replica)))
                for replica in numbers {
                    let id = InstanceIdentity(stack: stack.name, service: service.name, replica: replica).id
                    try await rolloutEvent(stack.name, service.name, "rollout-start", "starting \(id) (revision \(hash))", instance: id)
                    try await agentCall("start \(id)") {
                        try await agent.start(stack: stack, service: service, replica: replica, replicas: replicas, network: network)
                    }
                }
            } catch {
                return .failed(reason: error.message, instances: [])
            }
            if policy.delay > .zero, (try? await clock.sleep(for: policy.delay)) == nil { return .cancelled }
        }
        return .cancelled
    }

    private struct Look {
        var new: [InstanceRecord]
        var old: [InstanceRecord]
        var all: [InstanceRecord]
        var paused: Bool
    }

    private func lookAt(_ service: String, stack: String, hash: String, fromHash: String?) async throws(AICoreError) -> Look {
        let records = try await store.instances(stack: stack)
        let rollout = try await store.rollouts(stack: stack).first { $0.service == service }
        var mine = records.filter { $0.service == service }
        // A pending record holds nothing: the rollout places its replicas itself.
        for pending in mine where pending.state == .pending {
            try await agentCall("forget \(pending.id)") { try await agent.stop(stack: stack, instance: pending.id) }
        }
        mine.removeAll { $0.state == .pending }
        let new = mine.filter { ($0.specHash ?? fromHash) == hash }
        let old = mine.filter { ($0.specHash ?? fromHash) != hash }
        return Look(new: new, old: old, all: mine, paused: rollout?.state == .paused)
    }

    /// Drains, then stops, the instances in parallel.
    private func stopDrained(_ instances: [InstanceRecord], stack: String, service: Service, reason: String) async throws(AICoreError) {
        guard !instances.isEmpty else { return }
        for instance in instances {
            try await rolloutEvent(stack, service.name, "rollout-stop", "draining and stopping \(instance.id) (\(reason))", instance: instance.id)
        }
        let agent = self.agent
        let drain = self.drain
        let timeout = service.aicore.rollout.drainTimeout
        let failures = await withTaskGroup(of: String?.self) { group -> [String] in
            for instance in instances {
                group.addTask {
                    await agent.prepareToStop(stack: stack, instance: instance.id)
                    await drain?.drain(stack: stack, instance: instance.id, timeout: timeout)
                    do {
                        try await agent.stop(stack: stack, instance: instance.id)
                        return nil
                    } catch {
                        return "cannot stop \(instance.id): \(error)"
                    }
                }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if let first = failures.first {
            throw AICoreError(code: .start, message: first)
        }
    }

    static func hasFailed(_ record: InstanceRecord) -> Bool {
        guard !hasCompleted(record) else { return false }
        return record.restartCount > 0 || [.exited, .backoff, .failed].contains(record.state) || record.health == "unhealthy"
    }

    /// Exited 0 without a restart: a one-shot that did its job.
    static func hasCompleted(_ record: InstanceRecord) -> Bool {
        record.state == .exited && record.lastExitCode == 0 && record.restartCount == 0
    }

    static func failure(of record: InstanceRecord) -> String {
        var parts: [String] = []
        if record.state != .running { parts.append(record.state.rawValue) }
        if let exit = record.lastExit { parts.append(exit) }
        if record.restartCount > 0 { parts.append("restarted \(record.restartCount) time(s)") }
        if record.health == "unhealthy" { parts.append("unhealthy") }
        return parts.isEmpty ? "failed" : parts.joined(separator: ", ")
    }

    /// The lowest `count` replica numbers (from 1) not in `used`.
    static func freeReplicaNumbers(count: Int, used: Set<Int>) -> [Int] {
        var numbers: [Int] = []
        var next = 1
        while numbers.count < count {
            if !used.contains(next) { numbers.append(next) }
            next += 1
        }
        return numbers
    }

    private func saveRollout(_ record: RolloutRecord) async throws(AICoreError) {
        try await store.saveRollout(record)
    }

    func rolloutEvent(_ stack: String, _ service: String, _ type: String, _ reason: String, instance: String = "") async throws(AICoreError) {
        let event = EventRecord(time: WallClock.rfc3339Now(), stack: stack, service: service, instance: instance, type: type, reason: reason)
        try await store.appendEvents([event])
    }
}
