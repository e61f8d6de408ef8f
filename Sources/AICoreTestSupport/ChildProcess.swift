import AICoreOS
import AICoreSystem
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, started with `posix_spawn` and reaped with `waitpid`.
///
/// Not Foundation's `Process`: inside the cgroup v2 test VM its run loop cannot create its wakeup
/// socket pair and it never notices the child's exit, and on any host it reports an exit only once
/// every grandchild holding an inherited descriptor has gone.
public struct ChildProcess: Sendable {
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)

        /// The shell's view: the code, or 128 + the signal.
        public var status: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
    }

    public struct Output: Sendable {
        public var termination: Termination
        public var stdout: String
        public var stderr: String
        /// The deadline passed: the child was killed (SIGKILL), and what it printed until then is here.
        public var timedOut = false

        public var status: Int32 { termination.status }
    }

    public struct SpawnFailure: Error, CustomStringConvertible {
        public var errno: Int32
        public var executable: String
        public var description: String { "posix_spawn \(executable): \(String(cString: strerror(errno)))" }
    }

    public let pid: pid_t
    private let stdoutFD: Int32
    private let stderrFD: Int32

    /// Starts `executable` with `arguments`; stdin is /dev/null, stdout and stderr are captured
    /// unless `discardOutput`.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, discardOutput: Bool = false
    ) throws -> ChildProcess {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        if !discardOutput {
            // Close-on-exec from the start (pipe2, not pipe then fcntl): a child that another
            // test's thread spawns in between would otherwise inherit our write ends, and our
            // read would never see EOF while that child lives (a long-running agent, say).
            do {
                let out = try FileIO.pipe()
                let err = try FileIO.pipe()
                outPipe = [out.read, out.write]
                errPipe = [err.read, err.write]
            } catch {
                throw SpawnFailure(errno: error.errno, executable: executable)
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if discardOutput {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            // dup2 clears FD_CLOEXEC on the new descriptor, so only 1 and 2 reach the child.
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        }
        // Last, after the dup2s: nothing else of ours reaches the child (NIO's sockets are not
        // close-on-exec, and a long-lived child holding one keeps a listener or connection open).
        SpawnFileActions.closeFrom(&actions, 3)
        // glibc's addchdir_np is not visible to Swift; a shell changes directory, then execs.
        let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] + arguments }
            ?? [executable] + arguments
        let argv = command.map { strdup($0) }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        SpawnAttributes.defaultSignals(&attributes)
        var pid: pid_t = 0
        var argvList = argv + [nil]
        var envList = env + [nil]
        let result = argvList.withUnsafeMutableBufferPointer { argvBuffer in
            envList.withUnsafeMutableBufferPointer { envBuffer in
                guard let argvPointer = argvBuffer.baseAddress, let envPointer = envBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, command[0], &actions, &attributes, argvPointer, envPointer)
            }
        }
        if !discardOutput {
            close(outPipe[1])
            close(errPipe[1])
        }
        guard result == 0 else {
            if !discardOutput {
                close(outPipe[0])
                close(errPipe[0])
            }
            throw SpawnFailure(errno: result, executable: executable)
        }
        return ChildProcess(pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0])
    }

    /// Runs to completion, or until `timeout` (then it is killed), and returns what it printed.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        timeout: Duration? = nil
    ) throws -> Output {
        try spawn(executable, arguments, environment: environment, directory: directory).collect(timeout: timeout)
    }

    /// Reads stdout and stderr to their ends (on two threads of their own, so neither pipe can
    /// fill and stall the child, and no reader waits for a Dispatch worker that blocked tests
    /// hold), then reaps the child.
    ///
    /// With a `timeout`, a child whose output is still open at the deadline is killed and
    /// reaped, and what it printed so far is returned with `timedOut`: a hung child (or a
    /// descendant of it that holds its output, as an instance's init does) cannot hang the test
    /// run. The reader threads then stay until those descendants close the pipes.
    public func collect(timeout: Duration? = nil) -> Output {
        let group = DispatchGroup()
        let out = Buffer()
        let err = Buffer()
        for (fd, buffer) in [(stdoutFD, out), (stderrFD, err)] where fd >= 0 {
            group.enter()
            Thread.detachNewThread {
                buffer.fill(from: fd)
                group.leave()
            }
        }
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
            if group.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut {
                kill(pid, SIGKILL)
                return Output(termination: waitForExit(), stdout: out.text, stderr: err.text, timedOut: true)
            }
        } else {
            group.wait()
        }
        return Output(termination: waitForExit(), stdout: out.text, stderr: err.text)
    }

    /// Blocks until the child exits and reaps it.
    @discardableResult
    public func waitForExit() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(status & 0x7f)
    }

    /// true while the child has not exited; it is not reaped (`waitForExit` still reports it).
    public var isRunning: Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return false }
        return info._sifields._kill.si_pid == 0
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Collects output into memory from a reader thread.
    private final class Buffer: Sendable {
        // Written by the reader thread; read after it ended, or while it still reads (a timeout).
        private let data = Mutex(Data())

        func fill(from fd: Int32) {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &chunk, chunk.count)
                if count > 0 {
                    data.withLock { $0.append(contentsOf: chunk[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(fd)
        }

        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    }
}
