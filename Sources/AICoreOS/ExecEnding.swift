/// How a process run inside an instance ended (health checks, `exec`), whichever way it was run.
public enum ExecEnding: Sendable, Equatable {
    case exited(WaitStatus)
    /// Still running at the deadline; it was killed.
    case timedOut
    /// Its end could not be observed (the instance stopped meanwhile).
    case lost
}
