import AICoreOS

/// What a command run inside a task came to (`TaskDriver.run`).
public struct ExecOutcome: Sendable, Equatable {
    public enum Ending: Sendable, Equatable {
        case exited(WaitStatus)
        /// Still running at the timeout; it was killed.
        case timedOut
        /// Its end could not be observed (the task stopped meanwhile).
        case lost
    }

    public var ending: Ending
    /// stdout and stderr together, in order, cut at the caller's limit.
    public var output: String

    public init(ending: Ending, output: String) {
        self.ending = ending
        self.output = output
    }
}
