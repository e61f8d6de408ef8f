import AICoreErrors
import AICoreOS
import AICoreSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs tasks as isolated process trees on this Linux host: namespaces, pivot_root into a
/// read-only root, capabilities, no_new_privs, seccomp and a cgroup per instance, with the
/// instance init (C, in the shim) as PID 1 of each.
public final class LinuxTaskDriver: TaskDriver {
    public static let logFileName = "container.log"
    /// The log directory inside an instance's state directory, unless the spec names another.
    public static let logDirectoryName = "logs"

    public struct Configuration: Sendable {
        /// Where instance state directories go (exit file, task record, /etc/hosts, mount point).
        public var stateRoot: String
        /// Host paths hidden from workloads that see the host root: the agent's own files.
        /// The host's secrets (`HiddenHostPaths.hostSecrets`) are hidden in any case.
        public var hiddenHostPaths: [String]
        /// Where compiled seccomp filters of the default profile are kept across processes
        /// (root-only, mode 0700); nil = compile in every process. libseccomp takes several
        /// milliseconds for Docker's profile, which a one-shot `run` would pay every time.
        public var seccompCacheDirectory: String?
        /// Where instances on an image root keep their writable layer (overlayfs upper and work
        /// directories), on disk rather than in /run's memory; on the layer store's filesystem
        /// or any other.
        public var writableLayerRoot: String
        /// The network namespace bridges live in (an open `/proc/…/ns/net`): the instances'
        /// veths are made there. nil: the agent's own. Tests give one they made.
        public var bridgeNamespace: Int32?
        /// Called with an instance's id and its network namespace (an open descriptor, valid
        /// for the call) once its links are up and before its workload starts, at every start:
        /// the agent's resolver binds 127.0.0.11:53 there. A failure fails the start.
        public var networkReady: (@Sendable (String, Int32) throws -> Void)?
        /// Called with an instance's id and a sentence when part of its spec is not applied on
        /// this host (`mem_swappiness` on cgroup v2), or a privileged instance starts: the agent
        /// logs it as a warning.
        public var notice: (@Sendable (String, String) -> Void)?
        /// Whether `TaskSpec.privileged` may start (the agent's `security.allow_privileged`);
        /// a privileged spec is refused otherwise, whatever made it.
        public var allowsPrivileged = false

        public init(stateRoot: String = "/run/aicore/instances",
                    hiddenHostPaths: [String] = HiddenHostPaths.agentDefaults,
                    seccompCacheDirectory: String? = "/run/aicore/seccomp-cache",
                    writableLayerRoot: String = "/var/lib/aicore/instances", bridgeNamespace: Int32? = nil) {
            self.stateRoot = stateRoot
            self.hiddenHostPaths = hiddenHostPaths
            self.seccompCacheDirectory = seccompCacheDirectory
            self.writableLayerRoot = writableLayerRoot
            self.bridgeNamespace = bridgeNamespace
        }
    }

    public let configuration: Configuration
    public let cgroups: any CgroupManager
    private let seccompCache = Mutex<[String: SeccompFilter]>([:])

    public init(configuration: Configuration = Configuration(), cgroups: (any CgroupManager)? = nil) throws {
        self.configuration = configuration
        self.cgroups = try cgroups ?? CgroupDetection.detect()
    }

    // MARK: start

    public func start(_ spec: TaskSpec) async throws -> TaskHandle {
        try await BlockingWork.run { try self.startBlocking(spec) }
    }

    /// `start` for callers that own their thread (the foreground `run` command).
    public func startBlocking(_ spec: TaskSpec) throws -> TaskHandle {
        guard !spec.id.isEmpty, !spec.id.contains("/"), spec.id != ".", spec.id != ".." else {
            throw AICoreError(code: .invalidSpec, message: "invalid instance id \"\(spec.id)\"")
        }
        guard !spec.command.isEmpty else {
            throw AICoreError(code: .invalidSpec, message: "no command given")
        }
        let stateDirectory = configuration.stateRoot + "/" + spec.id
        try FileIO.makeDirectories(configuration.stateRoot, mode: 0o711)
        guard mkdir(stateDirectory, 0o711) == 0 else {
            if errno == EEXIST {
                throw AICoreError(code: .invalidSpec, message: "an instance named \"\(spec.id)\" already exists in \(configuration.stateRoot); pick another --name or remove it")
            }
            throw AICoreError(code: .systemCall, message: SystemError.last("mkdir \(stateDirectory)").description)
        }
        var cgroup: CgroupHandle?
        var started = false
        defer {
            if !started {
                if let cgroup {
                    try? cgroups.killAll(cgroup)
                    try? cgroups.destroy(cgroup)
                }
                removeImageRoot(stateDirectory: stateDirectory, id: spec.id)
                try? FileIO.removeTree(stateDirectory)
            }
        }

        let sysctls = try spec.checkedSysctls()
        try checkPrivileged(spec)
        // The stack loader and `run -v` refuse these with their own words; a TaskSpec made some
        // other way meets the same rule here.
        for m in spec.mounts {
            do {
                _ = try MountSpec.checkedDestination(m.destination, in: m.destination)
            } catch {
                throw AICoreError(code: .invalidSpec, message: error.description, cause: error)
            }
        }
        let files = try Self.checkedFiles(spec.files)
        let rootfs = try spec.imageRoot.map { try mountImageRoot($0, readOnly: spec.readOnlyRoot, id: spec.id, stateDirectory: stateDirectory) }
            ?? spec.rootfs ?? "/"
        let process = try resolveProcess(spec, rootfs: rootfs)
        let hostname = spec.hostname ?? String(spec.id.prefix(63))
        let newRoot = stateDirectory + "/rootfs"
        try FileIO.makeDirectories(newRoot, mode: 0o755)
        if rootfs != "/" {
            guard FileIO.isDirectory(rootfs) else {
                throw AICoreError(code: .invalidSpec, message: "--rootfs \(rootfs): not a directory")
            }
            // Mount points the plan needs; created while the rootfs is still writable.
            for dir in MountPlan.requiredDirectories where !FileIO.exists(rootfs + dir) {
                try FileIO.makeDirectories(rootfs + dir)
            }
        }
        let hostsFile = stateDirectory + "/hosts"
        let hostnameFile = stateDirectory + "/hostname"
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(hostname)\n"
        for entry in spec.extraHosts { hosts += "\(entry.address)\t\(entry.name)\n" }
        try FileIO.write(hostsFile, hosts)
        try FileIO.write(hostnameFile, hostname + "\n")
        var resolvConfFile: String?
        if let resolvConf = spec.resolvConf {
            resolvConfFile = stateDirectory + "/resolv.conf"
            try FileIO.write(stateDirectory + "/resolv.conf", resolvConf)
        }

        var hidden: [String] = []
        if rootfs == "/" {
            hidden = HiddenHostPaths.resolve(HiddenHostPaths.hostSecrets + configuration.hiddenHostPaths
                                             + [configuration.stateRoot] + spec.hiddenPaths)
        }
        // A directory of logs only: the init holds it open, and a workload that reaches the
        // init's descriptors must find nothing else there (not the task record or exec socket).
        let logDirectory = spec.logging.directory ?? stateDirectory + "/" + Self.logDirectoryName
        try FileIO.makeDirectories(logDirectory, mode: spec.logging.directory == nil ? 0o700 : 0o750)

        let devices = try Self.resolveDevices(spec.devices)
        // A privileged instance keeps /proc and /sys unmasked, as Docker's --privileged.
        var planOptions = MountPlan.Options(
            rootfs: rootfs, newRoot: newRoot, readOnlyRoot: rootfs == "/" || spec.readOnlyRoot,
            mounts: spec.mounts, hostsFile: hostsFile, hostnameFile: hostnameFile, resolvConfFile: resolvConfFile,
            hiddenPaths: hidden, maskedPaths: spec.privileged ? [] : MountPlan.dockerMaskedPaths,
            readOnlyPaths: spec.privileged ? [] : MountPlan.dockerReadOnlyPaths,
            tmpSizeBytes: spec.tmpSizeBytes, shmSizeBytes: spec.shmSizeBytes)
        planOptions.devices = devices.binds
        try stageFiles(files, owner: process.user, stateDirectory: stateDirectory, into: &planOptions)
        let plan = MountPlan.build(planOptions, isDirectory: FileIO.isDirectory)
        for m in spec.mounts {
            if case let .bind(source, _) = m.kind, !FileIO.exists(source) {
                throw AICoreError(code: .invalidSpec, message: "volume source \(source) does not exist on the host")
            }
        }
        if spec.imageRoot != nil { try copyImageContentIntoVolumes(spec, root: rootfs) }

        var limits = spec.limits
        // Every instance gets the device allowlist: /dev nodes bound in, or made with mknod
        // anywhere, are usable only when listed.
        if limits.devices == nil { limits.devices = spec.privileged ? [DeviceRule(.any, nil, nil, .all)] : DeviceRule.defaultAllowlist }
        limits.devices?.append(contentsOf: devices.rules)
        let placedLimits = limits
        do {
            cgroup = try cgroups.create(spec.cgroupPath, limits: limits)
        } catch {
            throw AICoreError(code: .cgroupFailed, message: "create cgroup \(spec.cgroupPath): \(error)", cause: error)
        }
        if let swappiness = limits.memorySwappiness, cgroups.version == .v2 {
            configuration.notice?(spec.id, "mem_swappiness \(swappiness) is not applied: cgroup v2 has no per-cgroup swappiness (the host's vm.swappiness applies)")
        }
        var namespaces = NamespaceSet.instanceDefault
        var joining: Int32?
        defer { if let joining { close(joining) } }
        switch spec.network {
        case .host: break
        case let .joining(owner): joining = try openNetworkNamespace(ofInstance: owner)
        case .none, .bridge: namespaces.insert(.network)
        }
        let bridges: [TaskSpec.BridgeAttachment] = if case let .bridge(attachments) = spec.network { attachments } else { [] }
        let handleCgroup = cgroup
        var request = InstanceSpawnRequest(
            namespaces: namespaces, hostname: hostname, mountPlan: plan, process: process,
            passthroughStdoutFD: spec.passthroughStdoutFD, passthroughStderrFD: spec.passthroughStderrFD,
            // `logging: {driver: none}`: the init writes no log at all.
            logDirectory: spec.logging.format == .discard ? nil : logDirectory, logFileName: Self.logFileName,
            logMaxBytes: spec.logging.maxBytes, logMaxFiles: spec.logging.maxFiles, stateDirectory: stateDirectory,
            // A systemd scope exists only once it holds the init: then the init waits to be placed.
            cgroupV2Directory: cgroups.placesAtClone ? handleCgroup?.unifiedDirectory : nil,
            needsPlacement: handleCgroup != nil)
        // cgroup v2 only, as Docker's default: on v1 the host's hierarchies stay as they were.
        request.cgroupNamespace = handleCgroup?.unifiedDirectory != nil
        request.logFormat = spec.logging.format == .json ? .json : .cri
        request.oomKillCounterFile = handleCgroup.flatMap { cgroups.oomKillCounterFile($0) }
        request.needsPreparation = !bridges.isEmpty || !sysctls.isEmpty
        request.joinNetworkNamespace = joining.map { "/proc/self/fd/\($0)" }
        let pidfd: PIDFD
        do {
            pidfd = try InstanceSpawner.spawn(request) { pid in
                if let handleCgroup { try self.cgroups.place(pid, in: handleCgroup, limits: placedLimits) }
                // Recorded before the child is released to exec the workload: an agent killed
                // from here on leaves a task that the next one re-adopts, never an unrecorded
                // workload that it would have to kill and start again.
                let record = TaskRecord(id: spec.id, pid: pid, startTime: processStartTime(pid) ?? 0, stateDirectory: stateDirectory,
                                        logDirectory: logDirectory, cgroupPath: handleCgroup?.relativePath,
                                        cgroupDirectories: handleCgroup?.directories, unifiedDirectory: handleCgroup?.unifiedDirectory,
                                        namespaces: namespaces.rawValue)
                try record.write()
            } prepare: { pid in
                if !bridges.isEmpty { try self.attach(pid, id: spec.id, to: bridges) }
                // After the links are made: a sysctl may name one (net.ipv4.conf.eth0.…).
                if !sysctls.isEmpty { try Self.writeSysctls(sysctls, pid: pid) }
            }
        } catch {
            throw AICoreError.spawnFailed(error.description, cause: error, exitCode: error.exitCode)
        }
        let startTime = processStartTime(pidfd.pid) ?? 0
        if !FileIO.exists(stateDirectory + "/" + TaskRecord.fileName) {
            // CLONE_INTO_CGROUP placed the child without calling back: record it now.
            try? TaskRecord(id: spec.id, pid: pidfd.pid, startTime: startTime, stateDirectory: stateDirectory,
                            logDirectory: logDirectory, cgroupPath: cgroup?.relativePath,
                            cgroupDirectories: cgroup?.directories, unifiedDirectory: cgroup?.unifiedDirectory,
                            namespaces: namespaces.rawValue).write()
        }
        started = true
        return TaskHandle(id: spec.id, pid: pidfd.pid, startTime: startTime, pidfd: pidfd, stateDirectory: stateDirectory,
                          logDirectory: logDirectory, cgroup: cgroup, process: process, namespaces: namespaces,
                          identityRules: spec.identityRules)
    }

    /// The workload's identity, capabilities, seccomp filter and environment.
    func resolveProcess(_ spec: TaskSpec, rootfs: String) throws -> ProcessSpec {
        let (identity, caps) = try spec.identityRules.resolve(
            user: spec.user, passwd: { try Self.accountFile("etc/passwd", in: rootfs) },
            group: { try Self.accountFile("etc/group", in: rootfs) })
        let seccomp = spec.privileged ? nil : try seccompFilter(spec.seccomp, capabilities: caps)

        var env = spec.environment
        func has(_ key: String) -> Bool { env.contains { $0.hasPrefix(key + "=") } }
        if !has("PATH") { env.insert("PATH=" + ProcessSpec.defaultPath, at: 0) }
        if !has("HOSTNAME") { env.append("HOSTNAME=" + (spec.hostname ?? String(spec.id.prefix(63)))) }
        if !has("HOME") { env.append("HOME=" + identity.home) }
        return ProcessSpec(arguments: spec.command, environment: env, workingDirectory: spec.workingDirectory,
                           user: identity, capabilities: caps, noNewPrivileges: true, rlimits: spec.rlimits,
                           seccomp: seccomp, oomScoreAdj: spec.oomScoreAdj)
    }

    /// /etc/passwd or /etc/group of the instance's root ("" when it has none). A root other than
    /// the host's (an image's, a --rootfs) is someone else's tree: the file is read beneath it,
    /// through no symlink, so an image whose /etc/passwd links to the host's /etc/shadow cannot
    /// make the agent read that.
    static func accountFile(_ path: String, in rootfs: String) throws -> String {
        guard rootfs != "/" else { return (try? FileIO.readString("/" + path)) ?? "" }
        let root: RootedDirectory
        do {
            root = try RootedDirectory(path: rootfs)
        } catch {
            throw AICoreError(code: .invalidSpec, message: "cannot open the root \(rootfs) to resolve the user: \(error)", cause: error)
        }
        return try accountFile(path, in: root)
    }

    /// `path` read beneath `root` ("" when it is not there).
    static func accountFile(_ path: String, in root: RootedDirectory) throws -> String {
        do {
            let bytes = try root.read(path, limit: 8 << 20)
            return String(decoding: bytes, as: UTF8.self)
        } catch where error.errno == ENOENT {
            return ""
        } catch {
            throw AICoreError(code: .invalidSpec, message: "cannot read the root's /\(path) to resolve the user: \(error)", cause: error)
        }
    }

    func seccompFilter(_ mode: TaskSpec.Seccomp, capabilities: CapabilitySet) throws -> SeccompFilter? {
        let profile: SeccompProfile
        let key: String?
        switch mode {
        case .unconfined: return nil
        case .dockerDefault:
            profile = .dockerDefault
            key = "default/\(capabilities.bits)"
        case let .profile(p):
            profile = p
            key = nil
        }
        if let key, let cached = seccompCache.withLock({ $0[key] }) { return cached }
        let kernel = SeccompProfile.Context.runningKernel
        let diskPath = key.flatMap { _ in configuration.seccompCacheDirectory }.map {
            "\($0)/docker-default-\(SeccompProfile.dockerDefaultRevision)-\(SeccompProfile.Context.nativeArch)-k\(kernel.0).\(kernel.1)-\(String(capabilities.bits, radix: 16)).bpf"
        }
        if let diskPath, let filter = Self.readCachedFilter(diskPath) {
            if let key { seccompCache.withLock { $0[key] = filter } }
            return filter
        }
        do {
            let filter = try SeccompFilter.compile(profile, capabilities: capabilities)
            if let key { seccompCache.withLock { $0[key] = filter } }
            if let diskPath, let dir = configuration.seccompCacheDirectory { Self.writeCachedFilter(filter, to: diskPath, in: dir) }
            return filter
        } catch {
            throw AICoreError(code: .invalidSpec, message: error.description, cause: error)
        }
    }

    static func readCachedFilter(_ path: String) -> SeccompFilter? {
        guard let bytes = try? FileIO.read(path), !bytes.isEmpty, bytes.count % 8 == 0 else { return nil }
        var instructions: [UInt64] = []
        instructions.reserveCapacity(bytes.count / 8)
        bytes.withUnsafeBytes { raw in
            for i in stride(from: 0, to: raw.count, by: 8) {
                instructions.append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            }
        }
        return SeccompFilter(instructions: instructions)
    }

    /// Best effort: a cache that cannot be written only costs time.
    static func writeCachedFilter(_ filter: SeccompFilter, to path: String, in directory: String) {
        guard (try? FileIO.makeDirectories(directory, mode: 0o700)) != nil else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(filter.instructions.count * 8)
        for v in filter.instructions { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        let tmp = path + ".\(getpid()).tmp"
        guard (try? FileIO.write(tmp, bytes, mode: 0o600)) != nil else { return }
        if rename(tmp, path) != 0 { unlink(tmp) }
    }

    // MARK: recover

    public func recover(id: String, spec: TaskSpec) async throws -> TaskHandle {
        try await BlockingWork.run { try self.recoverBlocking(id: id, spec: spec) }
    }

    public func recoverBlocking(id: String, spec: TaskSpec) throws -> TaskHandle {
        let stateDirectory = configuration.stateRoot + "/" + id
        let record: TaskRecord
        do {
            record = try TaskRecord.read(stateDirectory: stateDirectory)
        } catch {
            throw AICoreError(code: .notFound, message: "no task \"\(id)\" in \(configuration.stateRoot): \(error)", cause: error)
        }
        // Same pid and same start time: the same process, not a later one that reused the pid.
        var pidfd: PIDFD?
        if processStartTime(record.pid) == record.startTime, let fd = try? PIDFD.open(pid: record.pid),
           processStartTime(record.pid) == record.startTime {
            pidfd = fd
        }
        let cgroup = record.cgroupPath.map {
            CgroupHandle(relativePath: $0, directories: record.cgroupDirectories ?? [], unifiedDirectory: record.unifiedDirectory)
        }
        let process = try resolveProcess(spec, rootfs: spec.imageRoot != nil ? Self.mergedRoot(stateDirectory) : spec.rootfs ?? "/")
        return TaskHandle(id: id, pid: record.pid, startTime: record.startTime, pidfd: pidfd, stateDirectory: stateDirectory,
                          logDirectory: record.logDirectory, cgroup: cgroup, process: process,
                          namespaces: NamespaceSet(rawValue: record.namespaces), identityRules: spec.identityRules)
    }

    // MARK: wait / signal / stop

    public func wait(_ handle: TaskHandle) async throws -> TaskExit {
        var reaped: WaitStatus?
        if let pidfd = handle.pidfd {
            while true {
                await ProcessExitMonitor.shared.waitForExit(pidfd)
                if pidfd.hasExited { break }
                try Task.checkCancellation()
            }
            // Our child when we started it; a recovered one is someone else's (ECHILD).
            reaped = try? pidfd.reap()
        }
        let status = reaped
        return try await BlockingWork.run { try self.finish(handle, reaped: status) }
    }

    /// Reads the exit file (writing one if the init could not), and removes the cgroup.
    func finish(_ handle: TaskHandle, reaped: WaitStatus?) throws -> TaskExit {
        InstanceExecChannel.forget(stateDirectory: handle.stateDirectory)
        var oom = false
        if let cgroup = handle.cgroup {
            oom = (try? cgroups.wasOOMKilled(cgroup)) ?? false
            try? cgroups.killAll(cgroup)
            do {
                try cgroups.destroy(cgroup)
            } catch {
                throw AICoreError(code: .cgroupFailed, message: "remove cgroup \(cgroup.relativePath): \(error)", cause: error)
            }
        }
        if let record = try? ExitRecord.read(stateDirectory: handle.stateDirectory) {
            return TaskExit(status: record.status, oomKilled: record.oomKilled || oom, finishedAt: record.finishedAt)
        }
        // The init itself was killed (SIGKILL on stop, or OOM in the init): record what we know.
        let status = reaped.map { s -> WaitStatus in
            if case .exited(let code) = s, code > 128 { return .signaled(code - 128) }
            return s
        } ?? .signaled(SIGKILL)
        let record = ExitRecord(pid: 0, exitCode: status.exitCode, signal: { if case .signaled(let s) = status { return s }; return nil }(),
                                oomKilled: oom, finishedAt: "")
        if let bytes = try? record.encoded() {
            try? FileIO.write(ExitRecord.path(stateDirectory: handle.stateDirectory), bytes)
        }
        return TaskExit(status: status, oomKilled: oom, finishedAt: nil)
    }

    public func signal(_ handle: TaskHandle, _ signal: Int32) throws {
        guard let pidfd = handle.pidfd else { return }
        do {
            try pidfd.sendSignal(signal)
        } catch {
            throw AICoreError(code: .systemCall, message: error.description, cause: error)
        }
    }

    public func stop(_ handle: TaskHandle, signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) async throws -> TaskExit {
        if let pidfd = handle.pidfd, !pidfd.hasExited {
            try self.signal(handle, signal)
            let exited = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await ProcessExitMonitor.shared.waitForExit(pidfd)
                    return pidfd.hasExited
                }
                group.addTask {
                    try? await Task.sleep(for: grace)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !exited {
                // SIGKILL of the init tears the whole pid namespace down.
                _ = try? pidfd.sendSignal(SIGKILL)
            }
        }
        return try await wait(handle)
    }

    // MARK: exec / stats / remove

    /// Through the instance init's exec channel: the init makes the process in place (in every
    /// namespace and cgroup of the instance, from its own memory, which holds nothing of the
    /// agent's), and this side only waits on a socket.
    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], timeout: Duration, outputLimit: Int) async throws -> ExecOutcome {
        try await run(handle, process: execProcess(handle, command: command),
                      requestKey: "\(handle.startTime)\u{0}" + command.joined(separator: "\u{0}"),
                      timeout: timeout, outputLimit: outputLimit)
    }

    /// `process` made by the instance's init; `requestKey` names the request (see
    /// `InstanceExecChannel.run`).
    nonisolated(nonsending) func run(_ handle: TaskHandle, process: ProcessSpec, requestKey: String, ownIdentity: Bool = false,
                                     timeout: Duration, outputLimit: Int) async throws -> ExecOutcome {
        guard let instance = handle.pidfd else {
            throw AICoreError(code: .notFound, message: "task \(handle.id) is not running")
        }
        let result: InstanceExecChannel.Result?
        do {
            result = try await InstanceExecChannel.run(stateDirectory: handle.stateDirectory,
                                                       requestKey: requestKey,
                                                       process: { process }, ownIdentity: ownIdentity,
                                                       deadline: .now + timeout, outputLimit: outputLimit)
        } catch {
            if instance.hasExited { throw AICoreError(code: .notFound, message: "task \(handle.id) is not running") }
            throw AICoreError.spawnFailed(error.description, cause: error, exitCode: error.exitCode)
        }
        guard let result else {
            // Joining the instance from here would copy the agent into it: never done.
            throw AICoreError(code: .notFound, message: "task \(handle.id) has no exec channel (it was started by an older agent); restart it to exec in it")
        }
        return ExecOutcome(ending: result.ending, output: String(decoding: result.output, as: UTF8.self))
    }

    /// On the shared `ExecCheckScheduler`, through the init's exec channel; nil for an instance
    /// without one (started by an older agent).
    public func repeatRun(_ handle: TaskHandle, command: [String], plan: RepeatPlan,
                          notify: @escaping @Sendable () -> Void) -> (any RepeatedRun)? {
        guard handle.pidfd != nil, FileIO.exists(handle.stateDirectory + "/" + InstanceExecChannel.socketName) else { return nil }
        let process = execProcess(handle, command: command)
        let request = InstanceExecChannel.encode(process)
        // Too large for the init: `run` says so, check by check.
        guard request.count <= InstanceExecChannel.requestLimit else { return nil }
        let id = ExecCheckScheduler.shared.schedule(
            stateDirectory: handle.stateDirectory, process: process, encoded: request, firstAfter: plan.firstAfter,
            limits: .init(timeout: plan.timeout, outputLimit: plan.outputLimit, kept: plan.kept),
            policy: ExecRepeatPolicyAdapter(policy: plan.policy), notify: notify)
        return ScheduledExecRun(id: id, handle: handle)
    }

    /// The workload's process (identity, environment, working directory) with another command.
    func execProcess(_ handle: TaskHandle, command: [String]) -> ProcessSpec {
        var process = handle.process
        process.arguments = command
        return process
    }

    public func stats(_ handle: TaskHandle) async throws -> TaskStats {
        guard let cgroup = handle.cgroup else { return TaskStats() }
        let cgroups = self.cgroups
        let stats: CgroupStats
        do {
            stats = try await BlockingWork.run { try cgroups.stats(cgroup) }
        } catch {
            throw AICoreError(code: .cgroupFailed, message: "read stats of \(cgroup.relativePath): \(error)", cause: error)
        }
        return TaskStats(cpuUsageNanos: stats.cpuUsageNanos, cpuThrottledPeriods: stats.cpuThrottledPeriods,
                         cpuThrottledNanos: stats.cpuThrottledNanos, memoryCurrentBytes: stats.memoryCurrentBytes,
                         memoryPeakBytes: stats.memoryPeakBytes, pidsCurrent: stats.pidsCurrent, oomKills: stats.oomKills)
    }

    public func hasRecordedExit(_ handle: TaskHandle) async -> Bool {
        let directory = handle.stateDirectory
        return (try? await BlockingWork.run { try ExitRecord.read(stateDirectory: directory) != nil }) ?? false
    }

    public func discard(id: String, spec: TaskSpec) async throws {
        let stateDirectory = configuration.stateRoot + "/" + id
        guard !id.isEmpty, !id.contains("/") else { return }
        try await BlockingWork.run {
            // Usually gone already (`wait` removes it right after the exit); an agent that died
            // in between leaves it, with whatever still runs in it.
            if let cgroup = try? self.cgroups.handle(for: spec.cgroupPath), cgroup.directories.contains(where: FileIO.exists) {
                try? self.cgroups.killAll(cgroup)
                try? self.cgroups.destroy(cgroup)
            }
            self.removeImageRoot(stateDirectory: stateDirectory, id: id)
            if FileIO.exists(stateDirectory) {
                do {
                    try FileIO.removeTree(stateDirectory)
                } catch {
                    throw AICoreError(code: .systemCall, message: "\(error)", cause: error)
                }
            }
        }
    }

    public func remove(_ handle: TaskHandle) throws {
        InstanceExecChannel.forget(stateDirectory: handle.stateDirectory)
        if let cgroup = handle.cgroup {
            try? cgroups.killAll(cgroup)
            try? cgroups.destroy(cgroup)
        }
        removeImageRoot(stateDirectory: handle.stateDirectory, id: handle.id)
        do {
            try FileIO.removeTree(handle.stateDirectory)
        } catch {
            throw AICoreError(code: .systemCall, message: error.description, cause: error)
        }
    }
}
