import CAICoreShim

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

    /// How a process run through the channel ended.
    public enum Ending: Sendable, Equatable {
        case exited(WaitStatus)
        /// The deadline passed first; the init SIGKILLed it when the channel closed.
        case timedOut
        /// The channel closed before the end (the instance stopped meanwhile).
        case lost
    }

    public struct Result: Sendable {
        public var ending: Ending
        /// stdout and stderr together, in order, at most `outputLimit` bytes.
        public var output: [UInt8]
    }

    /// Binds the listener the init will serve on (mode 0600, close-on-exec); the caller passes it
    /// to the spawn and closes its own copy afterwards.
    public static func listen(stateDirectory: String) throws(SystemError) -> Int32 {
        let fd = try withSocketPath(stateDirectory) { path in aic_exec_channel_listen(path) }
        guard fd >= 0 else { throw SystemError(errno: Int32(-fd), operation: "listen on \(stateDirectory)/\(socketName)") }
        return Int32(fd)
    }

    /// Runs `process` (its arguments, environment and working directory; the identity is the
    /// workload's) inside the instance whose state directory is given, until it ends or
    /// `deadline`. nil when the instance has no channel (started by an older agent).
    public static func run(stateDirectory: String, process: ProcessSpec, deadline: ContinuousClock.Instant,
                           outputLimit: Int) async throws(SpawnError) -> Result? {
        let fd = try await connect(stateDirectory, until: deadline)
        guard let fd else { return nil }
        // Closing it before the end (deadline, cancellation, an error) makes the init kill the process.
        defer { close(fd) }
        let arena = CArena()
        var request = process.cProcess(arena)
        let sent = aic_exec_channel_request(fd, &request)
        guard sent == 0 else { throw .system(.errno(-sent, "send the exec request to the instance's init")) }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4097)
        while true {
            let n = buffer.withUnsafeMutableBytes { aic_exec_channel_receive(fd, $0.baseAddress, $0.count) }
            if n == -Int(EAGAIN) {
                guard await ProcessExitMonitor.shared.waitUntilReadable(fd, until: deadline) else {
                    return Result(ending: .timedOut, output: output)
                }
                if Task.isCancelled { return Result(ending: .lost, output: output) }
                continue
            }
            if n <= 0 { return Result(ending: .lost, output: output) }
            switch buffer[0] {
            case UInt8(ascii: "o"):
                let take = min(n - 1, max(0, outputLimit - output.count))
                if take > 0 { output.append(contentsOf: buffer[1..<(1 + take)]) }
            case UInt8(ascii: "f") where n - 1 >= MemoryLayout<aic_child_error>.size:
                var report = aic_child_error()
                withUnsafeMutableBytes(of: &report) { raw in
                    buffer.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[1..<(1 + raw.count)])) }
                }
                throw .child(ChildSetupError(report: report, process: process, plan: nil, hostname: nil))
            case UInt8(ascii: "x") where n - 1 >= 8:
                let (kind, value) = buffer.withUnsafeBytes {
                    ($0.loadUnaligned(fromByteOffset: 1, as: Int32.self), $0.loadUnaligned(fromByteOffset: 5, as: Int32.self))
                }
                return Result(ending: .exited(kind == 1 ? .exited(value) : .signaled(value)), output: output)
            default:
                throw .system(SystemError(errno: EPROTO, operation: "read the instance init's exec answer"))
            }
        }
    }

    /// nil when there is no channel to connect to.
    private static func connect(_ stateDirectory: String, until deadline: ContinuousClock.Instant) async throws(SpawnError) -> Int32? {
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
    private static func withSocketPath<T: BinaryInteger>(_ stateDirectory: String, _ body: (String) -> T) -> T {
        let path = stateDirectory + "/" + socketName
        if path.utf8.count < 100 { return body(path) }
        let dir = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | openPathOnly)
        guard dir >= 0 else { return T(-Int(errno)) }
        defer { close(dir) }
        return body("/proc/self/fd/\(dir)/\(socketName)")
    }
}
