#if canImport(Glibc)
import AICoreSystem
import CAICoreShim
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes sysctls in the namespaces of a process (an instance's init, waiting before its
/// workload): `/proc/sys/net` is the network namespace's of the thread that opens it, and the
/// IPC files (`kernel.shm*`, `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`) are its IPC namespace's.
/// So the writes run on an OS thread of their own that enters those namespaces first and ends
/// with the work: no thread of a shared pool ever changes namespace.
public enum NamespaceSysctls {
    public struct Setting: Sendable, Equatable {
        /// Dotted, as `sysctl` writes it: `net.core.somaxconn`.
        public var name: String
        public var value: String
        /// Whether the network namespace holds it (else the IPC namespace does).
        public var inNetworkNamespace: Bool

        public init(name: String, value: String, inNetworkNamespace: Bool) {
            self.name = name
            self.value = value
            self.inNetworkNamespace = inNetworkNamespace
        }

        /// Its file: each dot a directory level, as runc maps them.
        public var path: String { "/proc/sys/" + name.split(separator: ".").joined(separator: "/") }
    }

    /// Enters `pid`'s network namespace (when a setting needs it) and IPC namespace (likewise)
    /// on a thread of its own and writes each setting there, in order. The caller makes sure
    /// those namespaces are the instance's own, never the host's.
    public static func write(_ settings: [Setting], pid: pid_t) throws(SystemError) {
        var kinds: [Bool] = []   // true: the network namespace, false: the IPC one
        if settings.contains(where: \.inNetworkNamespace) { kinds.append(true) }
        if settings.contains(where: { !$0.inNetworkNamespace }) { kinds.append(false) }
        var descriptors: [(fd: Int32, network: Bool, path: String)] = []
        defer { for entry in descriptors { close(entry.fd) } }
        for network in kinds {
            let path = "/proc/\(pid)/ns/" + (network ? "net" : "ipc")
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .errno(errno, "open \(path)") }
            descriptors.append((fd, network, path))
        }
        let entries = descriptors
        let outcome = Outcome()
        let ran = DetachedThread.runAndWait {
            for entry in entries {
                let rc = entry.network ? aic_netns_enter(entry.fd) : aic_ipcns_enter(entry.fd)
                guard rc == 0 else {
                    outcome.failure = .errno(-rc, "enter the namespace \(entry.path)")
                    return
                }
            }
            for setting in settings {
                do throws(SystemError) {
                    try set(setting)
                } catch {
                    outcome.failure = error
                    return
                }
            }
        }
        guard ran else {
            throw SystemError(code: .systemCall, operation: "write sysctls of \(pid)", detail: "cannot start a thread")
        }
        if let failure = outcome.failure { throw failure }
    }

    /// Reads back a sysctl in `pid`'s namespaces, for tests and diagnostics.
    public static func read(_ name: String, pid: pid_t, inNetworkNamespace: Bool) throws(SystemError) -> String {
        let setting = Setting(name: name, value: "", inNetworkNamespace: inNetworkNamespace)
        let path = "/proc/\(pid)/ns/" + (inNetworkNamespace ? "net" : "ipc")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(errno, "open \(path)") }
        defer { close(fd) }
        let outcome = Outcome()
        let ran = DetachedThread.runAndWait {
            let rc = inNetworkNamespace ? aic_netns_enter(fd) : aic_ipcns_enter(fd)
            guard rc == 0 else {
                outcome.failure = .errno(-rc, "enter the namespace \(path)")
                return
            }
            do throws(SystemError) {
                outcome.value = try FileIO.readString(setting.path)
            } catch {
                outcome.failure = error
            }
        }
        guard ran else { throw SystemError(code: .systemCall, operation: "read \(name) of \(pid)", detail: "cannot start a thread") }
        if let failure = outcome.failure { throw failure }
        return (outcome.value ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func set(_ setting: Setting) throws(SystemError) {
        let path = setting.path
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            throw SystemError(
                code: .systemCall, errno: err, operation: "set sysctl \(setting.name)",
                detail: err == ENOENT ? "this kernel has no \(path) in the instance's namespace" : "open \(path): \(String(cString: strerror(err)))")
        }
        defer { close(fd) }
        // One write at offset 0: with sysctl_writes_strict (the default) a write past the start is ignored.
        let bytes = Array((setting.value + "\n").utf8)
        do {
            try bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try FileIO.writeAll(fd, raw, at: 0, path: path) } }.get()
        } catch {
            throw SystemError(code: error.code, errno: error.errno, operation: "set sysctl \(setting.name) to \(setting.value)", detail: error.detail)
        }
    }
}

/// What the namespace thread found.
// @unchecked Sendable: written only by that thread, before it ends, and read only after
// `runAndWait` has joined it (pthread_join orders the two); never by both at once.
private final class Outcome: @unchecked Sendable {
    var failure: SystemError?
    var value: String?
}
