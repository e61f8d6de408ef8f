import AICoreErrors
import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import Foundation

/// Rollouts as an operator drives them: status, history, undo, pause and resume, and changes
/// to one service (`set env|image|command`, `rollout restart`), each rolled out like any apply.
extension ControlPlane {
    public func rolloutStatus(_ name: String, service: String) async throws(AICoreError) -> RolloutStatus {
        let stack = try await stack(named: name)
        guard let spec = stack.service(named: service) else { throw unknownService(service, of: stack) }
        let desiredHash = ServiceSpecHash.of(spec)
        let (record, instances, revisions) = try await rolloutFacts(name, service: service)
        let replicas = spec.deploy.mode == .global ? 1 : max(spec.deploy.replicas, 0)
        func status(_ state: String, hash: String, revision: Int, from: Int, reason: String?, started: String?, updated: String?) -> RolloutStatus {
            let running = instances.filter { $0.state != .pending }
            let new = running.filter { $0.specHash == hash }
            return RolloutStatus(state: state, stack: name, service: service, revision: revision, fromRevision: from, specHash: hash,
                                 reason: reason, replicas: replicas, updated: new.count, ready: new.filter(\.ready).count,
                                 old: running.count - new.count, startedAt: started, updatedAt: updated)
        }
        if let record, record.toHash == desiredHash || record.isActive || operation(name)?.phase != .applying {
            var current = status(record.state.rawValue, hash: record.toHash, revision: record.revision, from: record.fromRevision,
                                 reason: record.reason, started: record.startedAt, updated: record.updatedAt)
            // What runs decides, as a Deployment's conditions do: a failed rollout whose
            // replicas all came up since (a `restart`, a dependency that recovered) is complete.
            if record.state == .failed, record.toHash == desiredHash, current.old == 0,
               current.updated == replicas, current.ready == replicas {
                current.state = RolloutRecord.State.complete.rawValue
                current.reason = nil
            }
            return current
        }
        // No rollout of the desired spec yet: one is about to start, or none was ever needed.
        let revision = revisions.last { $0.specHash == desiredHash }?.revision ?? 0
        var current = status("complete", hash: desiredHash, revision: revision, from: revision, reason: nil, started: nil, updated: nil)
        if operation(name)?.phase == .applying || current.old > 0 || current.ready < replicas {
            current.state = RolloutRecord.State.progressing.rawValue
        }
        return current
    }

    public func serviceRevisions(_ name: String, service: String) async throws(AICoreError) -> [ServiceRevisionMessage] {
        let stack = try await stack(named: name)
        guard let spec = stack.service(named: service) else { throw unknownService(service, of: stack) }
        let desiredHash = ServiceSpecHash.of(spec)
        let (_, _, revisions) = try await rolloutFacts(name, service: service)
        return revisions.map { ServiceRevisionMessage($0, current: $0.specHash == desiredHash) }
    }

    /// Rolls the service back to `toRevision` (default: the one before the current).
    public func undo(_ name: String, service: String, toRevision: Int?) async throws(AICoreError) -> (ReconcilePlan, Int) {
        var stack = try await stack(named: name)
        guard let index = stack.services.firstIndex(where: { $0.name == service }) else { throw unknownService(service, of: stack) }
        let desiredHash = ServiceSpecHash.of(stack.services[index])
        let (_, _, revisions) = try await rolloutFacts(name, service: service)
        let target: ServiceRevisionRecord
        if let toRevision {
            guard let found = revisions.first(where: { $0.revision == toRevision }) else {
                throw AICoreError(.notFound, "\(service) has no revision \(toRevision); `rollout history \(service)` lists \(revisions.map { String($0.revision) }.joined(separator: ", "))")
            }
            target = found
        } else {
            guard let found = revisions.last(where: { $0.specHash != desiredHash }) else {
                throw AICoreError(.conflict, "\(service) has no earlier revision to go back to")
            }
            target = found
        }
        guard target.specHash != desiredHash else {
            throw AICoreError(.conflict, "\(service) is already at revision \(target.revision)")
        }
        let stored: Service?
        do throws(AICoreError) {
            stored = try await reconciler.serviceSpec(stack: name, service: service, hash: target.specHash)
        } catch {
            throw error
        }
        guard var previous = stored else {
            throw AICoreError(.conflict, "the spec of \(service) revision \(target.revision) is no longer kept")
        }
        previous.deploy.replicas = stack.services[index].deploy.replicas
        stack.services[index] = previous
        return try await applyRecording(stack, cause: "undo to revision \(target.revision)")
    }

    public func pauseRollout(_ name: String, service: String) async throws(AICoreError) -> RolloutStatus {
        try await setRolloutState(name, service: service, from: [.progressing], to: .paused, verb: "pause")
    }

    public func resumeRollout(_ name: String, service: String) async throws(AICoreError) -> RolloutStatus {
        try await setRolloutState(name, service: service, from: [.paused], to: .progressing, verb: "resume")
    }

    private func setRolloutState(_ name: String, service: String, from: Set<RolloutRecord.State>, to state: RolloutRecord.State,
                                 verb: String) async throws(AICoreError) -> RolloutStatus {
        let stack = try await stack(named: name)
        guard stack.service(named: service) != nil else { throw unknownService(service, of: stack) }
        guard var record = try await rolloutFacts(name, service: service).0, from.contains(record.state) else {
            let current = try await rolloutStatus(name, service: service)
            throw AICoreError(.conflict, "cannot \(verb) the rollout of \(service): it is \(current.state.replacingOccurrences(of: "_", with: " "))")
        }
        record.state = state
        if state == .progressing { record.reason = nil }
        try await store.saveRollout(record)
        try await store.appendEvents([EventRecord(time: WallClock.rfc3339Now(), stack: name, service: service, instance: "",
                                                  type: "rollout-\(state == .paused ? "paused" : "resumed")",
                                                  reason: "\(verb)d by the operator")])
        return try await rolloutStatus(name, service: service)
    }

    /// Changes one service's spec and rolls the change out.
    public func update(_ name: String, service: String, change: ServiceUpdateRequest) async throws(AICoreError) -> (ReconcilePlan, Int) {
        var stack = try await stack(named: name)
        guard let index = stack.services.firstIndex(where: { $0.name == service }) else { throw unknownService(service, of: stack) }
        var spec = stack.services[index]
        var causes: [String] = []
        for (key, value) in (change.environment ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !key.isEmpty, !key.contains("="), !key.contains("\0") else {
                throw AICoreError(.badRequest, "`\(key)` is not an environment variable name")
            }
            spec.environment[key] = value
            causes.append(value == nil ? "\(key)-" : "\(key)=…")
        }
        if let image = change.image {
            guard !image.isEmpty else { throw AICoreError(.badRequest, "the image must not be empty") }
            spec.image = image
            causes.append("image \(image)")
        }
        if let command = change.command {
            guard let program = command.first, !program.isEmpty else {
                throw AICoreError(.badRequest, "the command must name a program to run: a non-empty first element")
            }
            spec.command = command
            causes.append("command")
        }
        if change.restart == true {
            spec.labels["aicore.restarted-at"] = WallClock.rfc3339Now()
            causes.append("restart")
        }
        guard !causes.isEmpty else { throw AICoreError(.badRequest, "nothing to change: give environment, image, command or restart") }
        stack.services[index] = spec
        return try await applyRecording(stack, cause: "set \(causes.joined(separator: ", "))")
    }

    private func rolloutFacts(_ name: String, service: String) async throws(AICoreError)
        -> (RolloutRecord?, [InstanceRecord], [ServiceRevisionRecord]) {
        let record = try await store.rollouts(stack: name).first { $0.service == service }
        let instances = try await store.instances(stack: name).filter { $0.service == service }
        let revisions = try await store.serviceRevisions(stack: name, service: service)
        return (record, instances, revisions)
    }
}
