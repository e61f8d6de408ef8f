#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The cgroup v2 freezer (Documentation/admin-guide/cgroup-v2.rst, "Core Interface Files"):
/// writing 1 to `cgroup.freeze` freezes the cgroup and its descendants, 0 thaws them. Freezing
/// is asynchronous: it is done when `cgroup.events` says `frozen 1` (and thawed at `frozen 0`),
/// which is what `pause` must wait for before it reports the instance paused. A frozen group's
/// processes still die of SIGKILL, so `killAll` needs no thaw first.
extension CgroupV2Manager {
    public func setFrozen(_ frozen: Bool, _ handle: CgroupHandle) throws(SystemError) {
        let dir = directory(of: handle)
        let freezeFile = CgroupPath.join(dir, "cgroup.freeze")
        guard CgroupFileIO.exists(freezeFile) else {
            throw SystemError(code: .controllerUnavailable, operation: "freeze \(handle.relativePath)",
                              detail: "\(freezeFile) is missing: the kernel has no cgroup v2 freezer (it came in Linux 5.2)")
        }
        try CgroupFileIO.write(frozen ? "1" : "0", to: freezeFile)
        let deadline = ContinuousClock.now.advanced(by: Self.freezeTimeout)
        while try isFrozen(handle) != frozen {
            guard ContinuousClock.now < deadline else {
                // Not every task stopped in time (one in uninterruptible sleep): leave the group
                // running rather than half frozen.
                if frozen { _ = try? CgroupFileIO.write("0", to: freezeFile) }
                throw SystemError(code: .timedOut, operation: "\(frozen ? "freeze" : "thaw") \(handle.relativePath)",
                                  detail: "cgroup.events did not say frozen \(frozen ? 1 : 0) within \(Self.freezeTimeout)")
            }
            CgroupFileIO.pause(milliseconds: 5)
        }
    }

    public func isFrozen(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        try CgroupFileIO.readKeyedIfPresent(CgroupPath.join(directory(of: handle), "cgroup.events"))["frozen"] == 1
    }
}
