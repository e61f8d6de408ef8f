import AICoreSystem
import CAICoreShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The agent's side of an instance init's exec channel (protocol: initexec.c in the shim). The
/// init makes the process: born in the instance's namespaces and cgroups with the workload's
/// identity, so the agent makes no setns, no cgroup migration, no thread and no child of its
/// own; it sends one request and awaits the answers on a socket.
public enum InstanceExecChannel {
    /// In the instance's state directory, which no workload sees.
    public static let socketName = "exec.sock"

    public struct Result: Sendable {
        public var ending: ExecEnding
        /// stdout and stderr together, in order, at most `outputLimit` bytes.
        public var output: [UInt8]
    }

    /// Binds the listener the init will serve on (mode 0600, close-on-exec); the caller passes it
    /// to the spawn and closes its own copy afterwards.
    public static func listen(stateDirectory: String) throws(SystemError) -> Int32 {
        let fd = withSocketPath(stateDirectory) { path in aic_exec_channel_listen(path) }
        guard fd >= 0 else { throw SystemError(errno: Int32(-fd), operation: "listen on \(stateDirectory)/\(socketName)") }
        return Int32(fd)
    }

    /// Runs `process` (its arguments, environment and working directory; the identity is the
    /// workload's unless `ownIdentity`, then its `user` and `capabilities`) inside the instance
    /// whose state directory is given, until it ends or `deadline`. nil when the instance has no channel (started by an older agent).
    /// `requestKey` names the request among this instance's (its command, and what identifies
    /// the instance's incarnation): the encoded request is kept under it, so a health check's
    /// second run costs no encoding, and `process` is made only when it is not.
    public nonisolated(nonsending) static func run(stateDirectory: String, requestKey: String, process: () -> ProcessSpec,
                                                   ownIdentity: Bool = false, deadline: ContinuousClock.Instant,
                                                   outputLimit: Int) async throws(SpawnError) -> Result? {
        let request = cachedRequest(stateDirectory, requestKey, process, ownIdentity)
        guard request.count <= requestLimit else {
            throw .system(SystemError(errno: E2BIG, operation: "exec: command and environment take \(request.count) bytes, more than \(requestLimit)"))
        }
        // A kept connection first; the init may have closed it meanwhile (it ended, or this side
        // gave up on an answer), so a failed send is retried once on a new one.
        if let kept = idle.withLock({ $0[stateDirectory]?.popLast() }) {
            if sendRequest(kept, request) == 0 { return try await answer(kept, stateDirectory, process, deadline, outputLimit) }
            close(kept)
        }
        guard let fd = try await connect(stateDirectory, until: deadline) else { return nil }
        let failed = sendRequest(fd, request)
        guard failed == 0 else {
            close(fd)
            throw .system(.errno(Int32(failed), "send the exec request to the instance's init"))
        }
        return try await answer(fd, stateDirectory, process, deadline, outputLimit)
    }

    /// Closes the connections kept for an instance (it ended, or is removed), and drops its
    /// encoded requests.
    public static func forget(stateDirectory: String) {
        let fds = idle.withLock { $0.removeValue(forKey: stateDirectory) } ?? []
        fds.forEach { close($0) }
        _ = requests.withLock { $0.removeValue(forKey: stateDirectory) }
    }

    /// Encoded requests per state directory and request key (a few per instance: its checks).
    private static let requests = Mutex<[String: [String: [UInt8]]]>([:])

    private static func cachedRequest(_ stateDirectory: String, _ key: String, _ process: () -> ProcessSpec, _ ownIdentity: Bool) -> [UInt8] {
        if let cached = requests.withLock({ $0[stateDirectory]?[key] }) { return cached }
        let bytes = encode(process(), ownIdentity: ownIdentity)
        requests.withLock { all in
            if all[stateDirectory, default: [:]].count >= 8 { all[stateDirectory] = [:] }
            all[stateDirectory, default: [:]][key] = bytes
        }
        return bytes
    }

    /// Connections whose last answer ended cleanly, per state directory: the next check reuses
    /// one instead of connecting (socket, connect and accept for every check otherwise).
    private static let idle = Mutex<[String: [Int32]]>([:])
    private static let idleKept = 2
    /// The init's request buffer.
    public static let requestLimit = 65536

    /// Reads the answers until the end. The descriptor goes back to `idle` after a clean end and
    /// is closed otherwise: closing before the end (deadline, cancellation, an error) makes the
    /// init kill the process.
    private nonisolated(nonsending) static func answer(_ fd: Int32, _ stateDirectory: String, _ process: () -> ProcessSpec,
                               _ deadline: ContinuousClock.Instant, _ outputLimit: Int) async throws(SpawnError) -> Result {
        var keep = false
        defer {
            if keep {
                let kept = idle.withLock { pool -> Bool in
                    guard pool[stateDirectory, default: []].count < idleKept else { return false }
                    pool[stateDirectory, default: []].append(fd)
                    return true
                }
                if !kept { close(fd) }
            } else {
                close(fd)
            }
        }
        var answer = ExecAnswer(outputLimit: outputLimit)
        var buffer = [UInt8](repeating: 0, count: messageCapacity)
        while true {
            let n = buffer.withUnsafeMutableBytes { aic_exec_channel_receive(fd, $0.baseAddress, $0.count) }
            if n == -Int(EAGAIN) {
                guard await ProcessExitMonitor.shared.waitUntilReadable(fd, until: deadline) else {
                    return Result(ending: .timedOut, output: answer.output)
                }
                if Task.isCancelled { return Result(ending: .lost, output: answer.output) }
                continue
            }
            if n <= 0 { return Result(ending: .lost, output: answer.output) }
            switch buffer.withUnsafeBytes({ answer.take(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }) {
            case .more:
                continue
            case let .notStarted(report):
                throw .child(ChildSetupError(report: report, process: process(), plan: nil, hostname: nil))
            case let .exited(status):
                keep = true
                return Result(ending: .exited(status), output: answer.output)
            case .malformed:
                throw .system(SystemError(errno: EPROTO, operation: "read the instance init's exec answer"))
            }
        }
    }

    /// The largest answer message: a kind byte and up to 4096 bytes (initexec.c).
    static let messageCapacity = 4097

    static func sendRequest(_ fd: Int32, _ request: [UInt8]) -> Int {
        let n = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n == request.count { return 0 }
        return n < 0 ? Int(errno) : Int(EPROTO)
    }

    /// The request message (protocol in initexec.c). `ownIdentity`: the process takes on its
    /// `user` and `capabilities` (AIX2) instead of the workload's (AIX1, which every init since
    /// the channel came understands).
    public static func encode(_ process: ProcessSpec, ownIdentity: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = Array((ownIdentity ? "AIX2" : "AIX1").utf8)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v)) { bytes.append(contentsOf: $0) } }
        func string(_ s: String) { bytes.append(contentsOf: s.utf8); bytes.append(0) }
        u32(process.arguments.count)
        u32(process.environment.count)
        if ownIdentity {
            u32(Int(process.user.uid))
            u32(Int(process.user.gid))
            u32(process.user.supplementaryGroups.count)
            u32(Int(process.capabilities.bits & 0xffff_ffff))
            u32(Int(process.capabilities.bits >> 32))
            process.user.supplementaryGroups.forEach { u32(Int($0)) }
        }
        string(process.arguments.first ?? "")
        string(process.searchPath)
        string(process.workingDirectory ?? "")
        process.arguments.forEach(string)
        process.environment.forEach(string)
        return bytes
    }

    /// nil when there is no channel to connect to.
    private nonisolated(nonsending) static func connect(_ stateDirectory: String, until deadline: ContinuousClock.Instant) async throws(SpawnError) -> Int32? {
        while true {
            let fd = withSocketPath(stateDirectory) { path in aic_exec_channel_connect(path) }
            if fd >= 0 { return Int32(fd) }
            switch -fd {
            case ENOENT:
                return nil
            case EAGAIN where ContinuousClock.now < deadline:
                // Every session of the init is busy and its backlog full: try again shortly.
                try? await Task.sleep(for: .milliseconds(10))
            case ECONNREFUSED:
                throw .system(SystemError(errno: ECONNREFUSED, operation: "connect to the instance's init (it has exited)"))
            default:
                throw .system(SystemError(errno: Int32(-fd), operation: "connect to the instance's init"))
            }
        }
    }

    /// Socket paths are limited to 107 bytes; a longer state directory is reached through a
    /// descriptor of it (/proc/self/fd/N/exec.sock).
    static func withSocketPath<T: BinaryInteger>(_ stateDirectory: String, _ body: (String) -> T) -> T {
        let path = stateDirectory + "/" + socketName
        if path.utf8.count < 100 { return body(path) }
        let dir = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | openPathOnly)
        guard dir >= 0 else { return T(-Int(errno)) }
        defer { close(dir) }
        return body("/proc/self/fd/\(dir)/\(socketName)")
    }
}
