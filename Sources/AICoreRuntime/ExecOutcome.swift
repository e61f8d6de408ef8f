import AICoreOS

/// What a command run inside a task came to (`TaskDriver.run`).
public struct ExecOutcome: Sendable, Equatable {
    public typealias Ending = ExecEnding

    public var ending: Ending
    /// stdout and stderr together, in order, cut at the caller's limit.
    public var output: String

    public init(ending: Ending, output: String) {
        self.ending = ending
        self.output = output
    }
}
