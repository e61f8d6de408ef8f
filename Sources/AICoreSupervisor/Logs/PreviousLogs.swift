import AICoreSystem

/// The logs of a stack's removed instances, which `Supervisor.remove` moves aside and which
/// stay readable (`logs --previous`) until the stack goes down. Every call blocks (a directory
/// read, a walk of the tree): callers on an actor reach them through `BlockingWork`.
public enum PreviousLogs {
    /// The removed instances of `stack` whose logs are kept, by name.
    public static func instances(stack: String, layout: SupervisorLayout) throws -> [String] {
        let directory = layout.previousLogsDirectory(stack: stack)
        guard FileIO.isDirectory(directory) else { return [] }
        return try FileIO.entries(of: directory).sorted()
    }

    /// Removes every kept log of `stack`; nothing kept: nothing to do.
    public static func remove(stack: String, layout: SupervisorLayout) throws {
        let directory = layout.previousLogsDirectory(stack: stack)
        if FileIO.exists(directory) { try FileIO.removeTree(directory) }
    }
}
