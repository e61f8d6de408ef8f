import AICoreRuntime

/// Why an instance stopped running: what the restart policy decides on.
public enum ExitKind: Sendable, Hashable, CustomStringConvertible {
    /// The workload exited by itself with this code (0 is a success).
    case exited(code: Int32)
    /// Killed by a signal nobody here sent.
    case signaled(Int32)
    /// The kernel's OOM killer ended it (the cgroup's memory limit).
    case oomKilled
    /// The supervisor killed it because its liveness (or startup) probe kept failing.
    case livenessFailed(String)
    /// The supervisor killed it because its Compose healthcheck kept failing
    /// (`x-aicore.restart_unhealthy`).
    case unhealthy(String)
    /// An operator (or the stack going down) stopped it: never restarted.
    case operatorStop
    /// The runtime could not start it (bad command, missing binary): Docker's 125/126/127.
    case startFailed(code: Int32, message: String)
    /// The supervisor stopped it to start it again at once, whatever its restart policy: the
    /// network namespace it shares (`network_mode: service:X`) is gone with X's process.
    case sharedNetworkReplaced(String)

    /// What policies `on-failure` count as a failure: everything but a clean exit and an operator's stop.
    public var isFailure: Bool {
        switch self {
        case let .exited(code): code != 0
        case .operatorStop, .sharedNetworkReplaced: false
        default: true
        }
    }

    /// The event text of the exit itself, Docker's and Kubernetes' wording.
    public var description: String {
        switch self {
        case let .exited(code): "Exited (code \(code))"
        case let .signaled(sig): "Killed by signal \(sig) (\(signalName(sig)))"
        case .oomKilled: "OOMKilled"
        case let .livenessFailed(reason): reason
        case let .unhealthy(reason): reason
        case .operatorStop: "Stopped"
        case let .startFailed(code, message): "Start failed (code \(code)): \(message)"
        case let .sharedNetworkReplaced(reason): reason
        }
    }

    /// The kind of a finished task, given what the supervisor itself asked for.
    /// `requested` (a stop or a probe's kill) wins over the signal it caused.
    public static func classify(_ exit: TaskExit, requested: ExitKind?) -> ExitKind {
        if let requested { return requested }
        if exit.oomKilled { return .oomKilled }
        switch exit.status {
        case let .exited(code): return .exited(code: code)
        case let .signaled(sig): return .signaled(sig)
        }
    }
}

func signalName(_ number: Int32) -> String {
    switch number {
    case 1: "SIGHUP"
    case 2: "SIGINT"
    case 3: "SIGQUIT"
    case 6: "SIGABRT"
    case 9: "SIGKILL"
    case 11: "SIGSEGV"
    case 13: "SIGPIPE"
    case 15: "SIGTERM"
    default: "signal \(number)"
    }
}
