import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// How a process ended.
public enum WaitStatus: Sendable, Equatable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// The shell's convention: the code, or 128 + the signal.
    public var exitCode: Int32 {
        switch self {
        case let .exited(code): code
        case let .signaled(sig): 128 + sig
        }
    }

    public var description: String {
        switch self {
        case let .exited(code): "exited with code \(code)"
        case let .signaled(sig): "killed by signal \(sig)"
        }
    }
}

/// A process file descriptor: a stable handle on one process that cannot be confused with a
/// later process reusing the pid. Closed when the object goes away.
public final class PIDFD: Sendable {
    public let fd: Int32
    public let pid: pid_t

    /// Takes ownership of `fd`.
    public init(fd: Int32, pid: pid_t) {
        self.fd = fd
        self.pid = pid
    }

    deinit { close(fd) }

    /// pidfd_open(2) for an existing process (recovering an instance after an agent restart).
    public static func open(pid: pid_t) throws(SystemError) -> PIDFD {
        let fd = aic_pidfd_open(pid)
        guard fd >= 0 else { throw SystemError(errno: -fd, operation: "pidfd_open \(pid)") }
        return PIDFD(fd: fd, pid: pid)
    }

    /// Sends `signal`; returns false if the process is already gone (ESRCH).
    @discardableResult
    public func sendSignal(_ signal: Int32) throws(SystemError) -> Bool {
        let rc = aic_pidfd_send_signal(fd, signal)
        if rc == 0 { return true }
        if -rc == ESRCH { return false }
        throw SystemError(errno: -rc, operation: "pidfd_send_signal \(pid) signal \(signal)")
    }

    /// Reaps the process if it is our child and has exited (waitid P_PIDFD, WNOHANG).
    /// nil while it runs. ECHILD (not our child: a recovered instance) is reported as an error.
    public func reap() throws(SystemError) -> WaitStatus? {
        var code: Int32 = 0
        var status: Int32 = 0
        let rc = aic_pidfd_wait(fd, WEXITED | WNOHANG, &code, &status)
        guard rc == 0 else { throw SystemError(errno: -rc, operation: "waitid \(pid)") }
        switch code {
        case 0: return nil
        case Int32(CLD_EXITED): return .exited(status)
        default: return .signaled(status)
        }
    }

    /// Whether the process has exited (the pidfd polls readable), without blocking.
    public var hasExited: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1
    }
}
