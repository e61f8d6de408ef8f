import AICoreErrors
import AICoreRuntime
import AICoreSpec

/// `POST /v1/instances/{id}/exec`: a command to run inside the instance, as its user unless
/// `user` names another (`docker compose exec -u/-w/-e`).
public struct ExecRequest: Codable, Sendable, Equatable {
    public var command: [String]
    /// Seconds before the command is killed; default 60, at most 3600.
    public var timeoutSeconds: Double?
    /// `name|uid[:gid]`, resolved in the instance's /etc/passwd and /etc/group.
    public var user: String?
    /// Absolute; nil: the workload's working directory.
    public var workingDir: String?
    /// Set over the workload's environment.
    public var environment: [String: String]?
    /// Every capability for the command: taken only in an instance of a privileged service,
    /// which holds them all already (a process never holds more than its instance).
    public var privileged: Bool?

    public init(command: [String], timeoutSeconds: Double? = nil, user: String? = nil, workingDir: String? = nil,
                environment: [String: String]? = nil, privileged: Bool? = nil) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.user = user
        self.workingDir = workingDir
        self.environment = environment
        self.privileged = privileged
    }

    /// The options as the runtime takes them, or why they cannot be.
    func options() throws(AICoreError) -> ExecOptions {
        if let user, user.isEmpty || user.contains("\u{0}") {
            throw AICoreError(.badRequest, "user must be a user name or uid[:gid], not \"\(user)\"")
        }
        if let workingDir, !workingDir.hasPrefix("/") || workingDir.contains("\u{0}") {
            throw AICoreError(.badRequest, "working_dir must be an absolute path, not \"\(workingDir)\"")
        }
        for (key, value) in environment ?? [:] where !EnvFileParser.isValidKey(key) || value.contains("\u{0}") {
            throw AICoreError(.badRequest, "environment: \"\(key)\" is not a variable name with a value without NUL")
        }
        return ExecOptions(user: user, workingDirectory: workingDir, environment: environment ?? [:])
    }
}

/// What an exec did: its exit code (nil when it did not end by itself), its output (stdout and
/// stderr together, at most 1 MiB), and, when it did not run or end normally, why (the command
/// could not be started, it was killed at the timeout, the instance stopped meanwhile).
public struct ExecResult: Codable, Sendable, Equatable {
    public var exitCode: Int32?
    public var output: String
    public var error: String?

    public init(exitCode: Int32?, output: String, error: String? = nil) {
        self.exitCode = exitCode
        self.output = output
        self.error = error
    }
}
