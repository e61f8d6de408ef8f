import AICoreErrors
import AICoreOS
import AICoreSystem

/// `pause` and `unpause`: the instance's cgroup frozen or thawed (v1 freezer, v2 cgroup.freeze),
/// on a thread of its own since the kernel finishes a freeze in its own time.
extension LinuxTaskDriver {
    public func setFrozen(_ handle: TaskHandle, _ frozen: Bool) async throws {
        guard let cgroup = handle.cgroup else {
            throw AICoreError(.unavailable, "instance \(handle.id) has no cgroup to freeze")
        }
        let cgroups = self.cgroups
        do {
            try await BlockingWork.run { try cgroups.setFrozen(frozen, cgroup) }
        } catch {
            throw AICoreError(code: .cgroupFailed, message: "\(frozen ? "freeze" : "thaw") \(cgroup.relativePath): \(error)", cause: error)
        }
    }

    public func isFrozen(_ handle: TaskHandle) async -> Bool {
        guard let cgroup = handle.cgroup else { return false }
        let cgroups = self.cgroups
        return (try? await BlockingWork.run { try cgroups.isFrozen(cgroup) }) ?? false
    }
}
