#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A scope's cgroup is frozen through its files, as `killAll` kills through them: the scope is
/// ours (a transient unit the agent made, delegated), and systemd's FreezeUnit would be one more
/// bus round trip for the same write to `cgroup.freeze`.
extension CgroupSystemdManager {
    public func setFrozen(_ frozen: Bool, _ handle: CgroupHandle) throws(SystemError) {
        try files.setFrozen(frozen, handle)
    }

    public func isFrozen(_ handle: CgroupHandle) throws(SystemError) -> Bool {
        try files.isFrozen(handle)
    }
}
