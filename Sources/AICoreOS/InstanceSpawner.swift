import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// O_PATH (GNU-only in Glibc's Swift view): a descriptor that names a directory, enough for
/// CLONE_INTO_CGROUP.
let openPathOnly: Int32 = 0o10000000

/// Everything the shim needs to start one instance: its init (PID 1 of a new pid namespace)
/// and, under it, the workload.
public struct InstanceSpawnRequest: Sendable {
    public var namespaces: NamespaceSet
    public var hostname: String?
    public var mountPlan: MountPlan
    public var process: ProcessSpec
    /// The workload's stdin; nil = /dev/null.
    public var stdinFD: Int32?
    /// The launcher's descriptors the init copies output to (foreground `run`); nil = none.
    public var passthroughStdoutFD: Int32?
    public var passthroughStderrFD: Int32?
    /// Directory of the log file; nil = no log.
    public var logDirectory: String?
    public var logFileName: String
    public var logMaxBytes: UInt64
    public var logMaxFiles: Int
    /// How the init writes each line: CRI's format or Docker's json-file lines.
    public var logFormat: LogFormat = .cri
    public enum LogFormat: Sendable {
        case cri, json
    }
    /// The instance's state directory; the init writes the exit file (`ExitRecord.path`) there.
    public var stateDirectory: String
    /// cgroup v2 directory for CLONE_INTO_CGROUP (falls back to the sync handshake).
    public var cgroupV2Directory: String?
    /// Whether the caller places the child into cgroups between clone and the workload's fork.
    public var needsPlacement: Bool
    /// Whether the caller prepares the child's namespaces (its network: a veth, addresses,
    /// routes) between clone and the workload's fork, whatever placed it in its cgroup.
    public var needsPreparation = false
    /// Whether the init serves execs (health checks, `exec`) on a socket in the state directory
    /// (`InstanceExecChannel`).
    public var execChannel: Bool
    /// Whether the init unshares a cgroup namespace rooted at the instance's cgroup (v2).
    public var cgroupNamespace = false
    /// Another process's network namespace to join (`/proc/PID/ns/net`) instead of a new one.
    public var joinNetworkNamespace: String?
    /// The cgroup's OOM-kill counter (`CgroupManager.oomKillCounterFile`): opened read-only once
    /// the init is placed and handed to it with its release, so that its exit file says whether
    /// the OOM killer struck even where the cgroup is gone before the agent reads it.
    public var oomKillCounterFile: String?

    public init(namespaces: NamespaceSet = .instanceDefault, hostname: String? = nil, mountPlan: MountPlan,
                process: ProcessSpec, stdinFD: Int32? = nil, passthroughStdoutFD: Int32? = nil,
                passthroughStderrFD: Int32? = nil, logDirectory: String? = nil,
                logFileName: String = "container.log", logMaxBytes: UInt64 = 10 << 20, logMaxFiles: Int = 3,
                stateDirectory: String,
                cgroupV2Directory: String? = nil, needsPlacement: Bool = true, execChannel: Bool = true) {
        self.namespaces = namespaces
        self.hostname = hostname
        self.mountPlan = mountPlan
        self.process = process
        self.stdinFD = stdinFD
        self.passthroughStdoutFD = passthroughStdoutFD
        self.passthroughStderrFD = passthroughStderrFD
        self.logDirectory = logDirectory
        self.logFileName = logFileName
        self.logMaxBytes = logMaxBytes
        self.logMaxFiles = logMaxFiles
        self.stateDirectory = stateDirectory
        self.cgroupV2Directory = cgroupV2Directory
        self.needsPlacement = needsPlacement
        self.execChannel = execChannel
    }
}

/// A spawn failure: either the parent side (open, clone3, cgroup placement) or what the child
/// reported.
public enum SpawnError: Error, Sendable, CustomStringConvertible {
    case system(SystemError)
    case child(ChildSetupError)
    case placement(any Error)
    case preparation(any Error)

    public var description: String {
        switch self {
        case let .system(e): e.description
        case let .child(e): e.description
        case let .placement(e): "place the instance in its cgroup: \(e)"
        case let .preparation(e): "prepare the instance's namespaces: \(e)"
        }
    }

    /// The exit code `aicore-node run` reports for it (docker's 125/126/127).
    public var exitCode: Int32 {
        if case let .child(e) = self { return e.exitCode }
        return 125
    }
}

/// The parent side of the shim: opens what the child inherits, calls clone3 through the shim,
/// places the child in its cgroup while it waits, and turns child reports into errors.
public enum InstanceSpawner {
    /// Starts the instance and returns a pidfd of its init once the workload has exec'd.
    /// `place` is called with the init's pid unless CLONE_INTO_CGROUP already placed it;
    /// `prepare`, when the request `needsPreparation`, after it, while the init still waits.
    public static func spawn(_ r: InstanceSpawnRequest, place: (pid_t) throws -> Void,
                             prepare: (pid_t) throws -> Void = { _ in }) throws(SpawnError) -> PIDFD {
        var opened: [Int32] = []
        defer { opened.forEach { close($0) } }
        func openFD(_ path: String, _ flags: Int32, _ what: String, mode: mode_t = 0) throws(SpawnError) -> Int32 {
            let fd = open(path, flags | O_CLOEXEC, mode)
            guard fd >= 0 else { throw .system(.last("\(what) \(path)")) }
            opened.append(fd)
            return fd
        }
        var stdinFD = r.stdinFD ?? -1
        if stdinFD < 0 { stdinFD = try openFD("/dev/null", O_RDONLY, "open") }
        // Detached mounts of just these directories: from the init's descriptors, `..` leads
        // nowhere else (a workload with CAP_SYS_PTRACE can reach those descriptors).
        func openDetached(_ path: String, _ what: String) throws(SpawnError) -> Int32 {
            let fd = aic_open_detached_directory(path)
            guard fd >= 0 else { throw .system(.errno(-fd, "open \(what) \(path)")) }
            opened.append(fd)
            return fd
        }
        var logDirFD: Int32 = -1
        if let dir = r.logDirectory { logDirFD = try openDetached(dir, "log directory") }
        // The exit file, made empty here and written once by the init: a regular file, so the
        // descriptor leads nowhere else, and no directory of its own to make and remove.
        let exitFD = try openFD(ExitRecord.path(stateDirectory: r.stateDirectory),
                                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, "create the exit file", mode: 0o600)
        let initProgram: Int32
        do { initProgram = try InitProgram.descriptor() } catch { throw .system(error) }
        var cgroupFD: Int32 = -1
        if let dir = r.cgroupV2Directory { cgroupFD = try openFD(dir, O_RDONLY | O_DIRECTORY | openPathOnly, "open cgroup") }
        var joinNetFD: Int32 = -1
        if let path = r.joinNetworkNamespace { joinNetFD = try openFD(path, O_RDONLY, "open the network namespace") }
        var execListenFD: Int32 = -1
        if r.execChannel {
            do {
                execListenFD = try InstanceExecChannel.listen(stateDirectory: r.stateDirectory)
            } catch {
                throw .system(error)
            }
            opened.append(execListenFD)
        }

        let arena = CArena()
        let ops = r.mountPlan.operations.map { op in
            aic_mount_op(kind: op.kind.rawValue, optional: op.optional ? 1 : 0,
                         source: arena.optionalString(op.source), target: UnsafePointer(arena.string(op.target)),
                         fstype: arena.optionalString(op.fstype), data: arena.optionalString(op.data),
                         flags: op.flags, mode: op.mode, source_resolution: op.sourceResolution.rawValue,
                         target_resolution: op.targetResolution.rawValue,
                         content: op.content.map { UnsafePointer(arena.array($0)) }, content_len: op.content?.count ?? 0,
                         uid: op.uid, gid: op.gid)
        }
        var c = aic_spawn_config()
        c.namespaces = r.namespaces.rawValue
        c.cgroup_fd = cgroupFD
        c.wait_for_sync = r.needsPlacement || r.needsPreparation ? 1 : 0
        c.hostname = arena.optionalString(r.hostname)
        c.ops = UnsafePointer(arena.array(ops))
        c.nops = ops.count
        c.process = r.process.cProcess(arena)
        c.stdin_fd = stdinFD
        c.passthrough_out = r.passthroughStdoutFD ?? -1
        c.passthrough_err = r.passthroughStderrFD ?? -1
        c.log_dir_fd = logDirFD
        c.log_name = arena.optionalString(r.logFileName)
        c.log_max_bytes = r.logMaxBytes
        c.log_max_files = Int32(clamping: r.logMaxFiles)
        c.log_format = r.logFormat == .json ? Int32(AIC_LOG_FORMAT_JSON.rawValue) : Int32(AIC_LOG_FORMAT_CRI.rawValue)
        c.exit_fd = exitFD
        c.init_exe_fd = initProgram
        c.exec_listen_fd = execListenFD
        c.cgroup_namespace = r.cgroupNamespace ? 1 : 0
        c.join_net_fd = joinNetFD

        var result = aic_spawn_result()
        let rc = aic_spawn(&c, &result)
        guard rc == 0 else { throw .system(.errno(-rc, "clone3")) }
        let pidfd = PIDFD(fd: result.pidfd, pid: result.pid)
        try finish(result, pidfd: pidfd, needsPlacement: r.needsPlacement, needsPreparation: r.needsPreparation,
                   oomKillCounterFile: r.oomKillCounterFile, place: place, prepare: prepare) { report in
            ChildSetupError(report: report, process: r.process, plan: r.mountPlan, hostname: r.hostname)
        }
        return pidfd
    }

    /// Releases (or aborts) the waiting child and reads its report. On failure the child is
    /// reaped before this throws, so nothing is left behind.
    static func finish(_ result: aic_spawn_result, pidfd: PIDFD, needsPlacement: Bool, needsPreparation: Bool,
                       oomKillCounterFile: String?, place: (pid_t) throws -> Void, prepare: (pid_t) throws -> Void,
                       describe: (aic_child_error) -> ChildSetupError) throws(SpawnError) {
        defer { close(result.error_fd) }
        if result.sync_fd >= 0 {
            var placementError: SpawnError?
            if needsPlacement && result.into_cgroup == 0 {
                do { try place(result.pid) } catch { placementError = .placement(error) }
            }
            if placementError == nil, needsPreparation {
                do { try prepare(result.pid) } catch { placementError = .preparation(error) }
            }
            // Best effort: without it the agent reads the cgroup, as it always does too.
            let counter = placementError == nil ? oomKillCounterFile.map { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) } ?? -1 : -1
            _ = aic_sync_release(result.sync_fd, placementError == nil ? 1 : 0, counter)
            if counter >= 0 { close(counter) }
            if let placementError {
                reapBlocking(pidfd)
                throw placementError
            }
        }
        var report = aic_child_error()
        let rc = aic_read_child_error(result.error_fd, &report)
        if rc == 0 { return }
        reapBlocking(pidfd)
        if rc < 0 { throw .system(.errno(-rc, "read the child's report")) }
        throw .child(describe(report))
    }

    /// Waits for a child that is about to exit (it failed its setup). Bounded by the child.
    static func reapBlocking(_ pidfd: PIDFD) {
        var code: Int32 = 0
        var status: Int32 = 0
        _ = aic_pidfd_wait(pidfd.fd, WEXITED, &code, &status)
    }
}
