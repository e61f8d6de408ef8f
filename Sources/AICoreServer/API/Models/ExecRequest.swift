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

/// What an exec did: its exit code (nil when cut at the timeout) and output (stdout and
/// stderr together, at most 1 MiB).
public struct ExecResult: Codable, Sendable, Equatable {
    public var exitCode: Int32?
    public var output: String

    public init(exitCode: Int32?, output: String) {
        self.exitCode = exitCode
        self.output = output
    }
}
