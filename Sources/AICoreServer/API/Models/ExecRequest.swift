/// `POST /v1/instances/{id}/exec`: a command to run inside the instance, as its user.
public struct ExecRequest: Codable, Sendable, Equatable {
    public var command: [String]
    /// Seconds before the command is killed; default 60, at most 3600.
    public var timeoutSeconds: Double?

    public init(command: [String], timeoutSeconds: Double? = nil) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
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
