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
    /// The instance's cgroup directories (one per v1 hierarchy, or the v2 one): the process
    /// joins them itself when it cannot be cloned into its cgroup.
    public var cgroupDirectories: [String]

    public init(namespaces: NamespaceSet = .instanceDefault, process: ProcessSpec, stdinFD: Int32? = nil,
                stdoutFD: Int32 = 1, stderrFD: Int32 = 2, cgroupV2Directory: String? = nil, needsPlacement: Bool = true,
                cgroupDirectories: [String] = []) {
        self.namespaces = namespaces
        self.process = process
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.cgroupV2Directory = cgroupV2Directory
        self.needsPlacement = needsPlacement
        self.cgroupDirectories = cgroupDirectories
    }
}

public enum ExecSpawner {
    /// Starts the process and returns its pidfd. On x86_64 it is the process itself (a child of
    /// this one in the instance's pid namespace, made without copying this process: see
    /// `aic_exec`), already in its cgroup; elsewhere a relay that mirrors its exit status, and
    /// `place` puts it in its cgroups.
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
        var procsFDs: [Int32] = []
        for dir in r.cgroupDirectories where r.needsPlacement {
            let fd = open(dir + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .system(.last("open \(dir)/cgroup.procs")) }
            opened.append(fd)
            procsFDs.append(fd)
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
        let rc = procsFDs.withUnsafeBufferPointer { fds in
            c.procs_fds = fds.baseAddress
            c.nprocs_fds = fds.count
            return aic_exec(&c, &result)
        }
        guard rc == 0 else { throw .system(.errno(-rc, "clone3")) }
        guard result.pidfd >= 0 else {
            // The helper failed before making the process; its report says why.
            defer { close(result.error_fd) }
            var report = aic_child_error()
            let read = aic_read_child_error(result.error_fd, &report)
            guard read == 1 else { throw .system(.errno(read < 0 ? -read : EPROTO, "exec into the instance")) }
            throw .child(ChildSetupError(report: report, process: r.process, plan: nil, hostname: nil))
        }
        let pidfd = PIDFD(fd: result.pidfd, pid: result.pid)
        try InstanceSpawner.finish(result, pidfd: pidfd, needsPlacement: r.needsPlacement, place: place) { report in
            ChildSetupError(report: report, process: r.process, plan: nil, hostname: nil)
        }
        return pidfd
    }
}
