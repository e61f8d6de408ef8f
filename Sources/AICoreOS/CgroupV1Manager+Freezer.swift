#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The cgroup v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst): writing
/// FROZEN to `freezer.state` moves the group to FREEZING, and reading it says FROZEN once every
/// task is stopped; THAWED resumes them. Unlike v2, a frozen task takes no signal (not even
/// SIGKILL) until thawed: `killAll` thaws after its kill, and a stop of a paused instance
/// thaws it first.
extension CgroupV1Manager {
    public func setFrozen(_ frozen: Bool, _ handle: CgroupHandle) throws(SystemError) {
        let stateFile = try freezerState(handle)
        let wanted = frozen ? "FROZEN" : "THAWED"
        try CgroupFileIO.write(wanted, to: stateFile)
        let deadline = ContinuousClock.now.advanced(by: Self.freezeTimeout)
        while try CgroupFileIO.read(stateFile).trimmingWhitespace != wanted {
            guard ContinuousClock.now < deadline else {
                // Stuck in FREEZING (a task in uninterruptible sleep): cancel the freeze, as the
                // kernel's documentation says to, rather than leave the group half frozen.
                if frozen { _ = try? CgroupFileIO.write("THAWED", to: stateFile) }
                throw SystemError(code: .timedOut, operation: "\(frozen ? "freeze" : "thaw") \(handle.relativePath)",
                                  detail: "freezer.state did not become \(wanted) within \(Self.freezeTimeout)")
            }
            // Writing FROZEN again retries the tasks that were not stopped yet.
            if frozen { try CgroupFileIO.write(wanted, to: stateFile) }
            CgroupFileIO.pause(milliseconds: 5)
        }
    }

    public func isFrozen(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        try CgroupFileIO.read(try freezerState(handle)).trimmingWhitespace == "FROZEN"
    }

    private func freezerState(_ handle: CgroupHandle) throws(SystemError) -> String {
        guard let dir = directory("freezer", handle.relativePath) else {
            throw SystemError(code: .controllerUnavailable, operation: "freeze \(handle.relativePath)",
                              detail: "the freezer hierarchy is not mounted (mount -t cgroup -o freezer)")
        }
        return CgroupPath.join(dir, "freezer.state")
    }
}
