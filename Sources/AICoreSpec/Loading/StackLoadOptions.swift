import Foundation

/// What to load and how: the `-f`, `--env-file`, `--profile`, `-p` and `--strict` of the CLI.
public struct StackLoadOptions: Sendable {
    /// Stack files in merge order; later files override earlier ones.
    public var files: [String]
    /// Extra env files; their values override the process environment and `.env`.
    public var envFiles: [String]
    /// Active profiles; `COMPOSE_PROFILES` adds to them.
    public var profiles: [String]
    /// `-p`: overrides the stack's `name:`.
    public var projectName: String?
    /// Turn "aicore-node cannot run this" warnings into errors.
    public var strict: Bool
    /// The process environment; injectable for tests.
    public var environment: [String: String]
    /// Stack files given as text (a stack sent to the agent's REST API), by the path they stand
    /// for: relative paths inside resolve against that path's directory, and messages name it.
    /// A path not here is read from disk.
    public var contents: [String: String] = [:]
    /// Whether a `.env` beside the first file fills variables (Compose's rule, and the CLI's).
    /// The agent turns it off for stacks sent over its API: only the client's environment may
    /// interpolate them, never the agent's own files or variables.
    public var readsDotEnv = true
    /// Whether a path exists on this host: a mount target that does not cannot be created on the
    /// read-only host root, and gets a warning. Injectable for tests.
    public var hostPathExists: @Sendable (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    /// The first symbolic link on this host in a mount's path: the runtime refuses such a mount,
    /// so it gets a warning. Injectable for tests.
    public var hostSymlink: @Sendable (String) -> HostSymlink? = { HostSymlink.first(in: $0) }
    /// Whether `privileged: true` may run (the agent's `security.allow_privileged`): when not,
    /// it is an unsupported key, refused when the stack starts.
    public var allowsPrivileged = false
    /// The agent's `logging` (aicore.yml), for services that write none: Docker's daemon-wide
    /// `log-driver` and `log-opts`. Part of each such service's spec, so it prints and hashes.
    public var defaultLogging: LoggingSettings?

    public init(
        files: [String], envFiles: [String] = [], profiles: [String] = [], projectName: String? = nil,
        strict: Bool = false, environment: [String: String]
    ) {
        self.files = files
        self.envFiles = envFiles
        self.profiles = profiles
        self.projectName = projectName
        self.strict = strict
        self.environment = environment
    }
}
