import AICoreErrors
import AICoreSystem

/// A node that cannot signal, pause or wait for its instances says so (fakes for the controller's
/// tests; a future remote node until its API has them).
extension NodeAgent {
    public func signal(stack: String, instance: String, signal: Int32, name: String) async throws {
        throw AICoreError(.unavailable, "node \(node) cannot signal instances")
    }

    public func setPaused(stack: String, instance: String, _ paused: Bool) async throws {
        throw AICoreError(.unavailable, "node \(node) cannot pause instances")
    }

    public func waitForExit(stack: String, instance: String) async -> InstanceSnapshot? { nil }

    public func rootDirectory(stack: String, instance: String) async throws -> RootedDirectory? {
        throw AICoreError(.unavailable, "node \(node) cannot reach its instances' files")
    }
}
