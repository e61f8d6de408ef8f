import AICoreErrors
import AICoreStore
import AICoreSupervisor

/// `kill`, `pause`/`unpause` and `wait` of one instance, through the runner that keeps it: the
/// runner knows what the operator did, so that its restart policy and checks act on it.
extension LocalNodeAgent {
    public func signal(stack: String, instance: String, signal: Int32, name: String) async throws {
        try await runner(stack, instance).deliver(signal: signal, name: name)
    }

    public func setPaused(stack: String, instance: String, _ paused: Bool) async throws {
        let runner = try await runner(stack, instance)
        if paused { try await runner.pause() } else { try await runner.unpause() }
    }

    public func prepareToStop(stack: String, instance: String) async {
        await supervisor(stack: stack)?.runner(instance)?.prepareToStop()
    }

    public func waitForExit(stack: String, instance: String) async -> InstanceSnapshot? {
        guard let runner = await supervisor(stack: stack)?.runner(instance) else { return nil }
        let status = await runner.waitUntil { !$0.state.isActive || $0.finished }
        return Self.snapshot(status)
    }

    private func runner(_ stack: String, _ instance: String) async throws(AICoreError) -> TaskRunner<C> {
        guard let runner = await supervisor(stack: stack)?.runner(instance) else {
            throw AICoreError(.conflict, "instance \(instance) is not running on this node")
        }
        return runner
    }
}
