import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// Runs a process inside a running instance: joins its namespaces with setns on the init's
/// pidfd, its cgroup (CLONE_INTO_CGROUP or the sync handshake), and takes the same identity,
/// capabilities, no_new_privs and seccomp as the workload. Used for exec health checks and
/// `aicore-node exec`.
public struct ExecRequest: Sendable {
    public var namespaces: NamespaceSet
    public var process: ProcessSpec
    public var stdinFD: Int32?
    public var stdoutFD: Int32
    public var stderrFD: Int32
    public var cgroupV2Directory: String?
    public var needsPlacement: Bool

    public init(namespaces: NamespaceSet = .instanceDefault, process: ProcessSpec, stdinFD: Int32? = nil,
                stdoutFD: Int32 = 1, stderrFD: Int32 = 2, cgroupV2Directory: String? = nil, needsPlacement: Bool = true) {
        self.namespaces = namespaces
        self.process = process
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.cgroupV2Directory = cgroupV2Directory
        self.needsPlacement = needsPlacement
    }
}

public enum ExecSpawner {
    /// Starts the process; returns a pidfd of the relay that mirrors its exit status (the
    /// process itself lives in the instance's pid namespace, under the relay).
    public static func spawn(_ r: ExecRequest, into instance: PIDFD, place: (pid_t) throws -> Void) throws(SpawnError) -> PIDFD {
        var opened: [Int32] = []
        defer { opened.forEach { close($0) } }
        var stdinFD = r.stdinFD ?? -1
        if stdinFD < 0 {
            stdinFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard stdinFD >= 0 else { throw .system(.last("open /dev/null")) }
            opened.append(stdinFD)
        }
        var cgroupFD: Int32 = -1
        if let dir = r.cgroupV2Directory {
            cgroupFD = open(dir, O_RDONLY | O_DIRECTORY | openPathOnly | O_CLOEXEC)
            guard cgroupFD >= 0 else { throw .system(.last("open cgroup \(dir)")) }
            opened.append(cgroupFD)
        }
        let arena = CArena()
        var c = aic_exec_config()
        c.target_pidfd = instance.fd
        c.namespaces = r.namespaces.rawValue
        c.cgroup_fd = cgroupFD
        c.wait_for_sync = r.needsPlacement ? 1 : 0
        c.process = r.process.cProcess(arena)
        c.stdin_fd = stdinFD
        c.stdout_fd = r.stdoutFD
        c.stderr_fd = r.stderrFD
        var result = aic_spawn_result()
        let rc = aic_exec(&c, &result)
        guard rc == 0 else { throw .system(.errno(-rc, "clone3")) }
        let pidfd = PIDFD(fd: result.pidfd, pid: result.pid)
        try InstanceSpawner.finish(result, pidfd: pidfd, needsPlacement: r.needsPlacement, place: place) { report in
            ChildSetupError(report: report, process: r.process, plan: nil, hostname: nil)
        }
        return pidfd
    }
}
