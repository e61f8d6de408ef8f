/// One instance's cgroup, as created by a `CgroupManager`.
public struct CgroupHandle: Sendable, Hashable {
    /// The path below the manager's base, e.g. `aicore/demo/api/demo-api-1`.
    public let relativePath: String
    /// Absolute dirs: one per v1 hierarchy in use (memory, cpu, cpuacct, pids, freezer…), or the single v2 dir.
    public let directories: [String]
    /// v2 only: the unified dir, usable with open(O_PATH|O_DIRECTORY) for clone3 CLONE_INTO_CGROUP.
    public let unifiedDirectory: String?

    public init(relativePath: String, directories: [String], unifiedDirectory: String?) {
        self.relativePath = relativePath
        self.directories = directories
        self.unifiedDirectory = unifiedDirectory
    }
}
