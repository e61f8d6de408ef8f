import AICoreSpec

/// Loads a stack back from the normalized spec the Store keeps of each revision (what
/// `StackPrinter` wrote): recovery, rollbacks and `rollout undo` read old specs this way.
public enum StoredStackSpec {
    /// The stack, or nil when the stored text no longer loads (a spec written by another version).
    /// `path` names the text in messages and anchors relative paths (none remain once normalized).
    public static func load(name: String, spec: String, path: String? = nil) -> Stack? {
        let path = path ?? "/var/lib/aicore/stacks/\(name).yml"
        var options = StackLoadOptions(files: [path], projectName: name, environment: [:])
        options.contents = [path: spec]
        return try? StackLoader.load(options).stack
    }
}
