/// A stack that loaded, with the warnings found on the way.
public struct LoadedStack: Sendable {
    public var stack: Stack
    public var warnings: [Diagnostic]

    public init(stack: Stack, warnings: [Diagnostic]) {
        self.stack = stack
        self.warnings = warnings
    }

    /// Warnings that would make starting the stack change its meaning.
    public var blockingWarnings: [Diagnostic] { warnings.filter(\.blocksRun) }
}
