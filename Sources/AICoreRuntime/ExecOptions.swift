/// How a command run inside a task differs from the workload's own process (a Compose
/// lifecycle hook's `working_dir` and `environment`). Empty: exactly the workload's.
///
/// There is no user here on purpose: the instance's init makes every exec'd process with the
/// workload's identity, capabilities and seccomp filter, which it took on at start, and the exec
/// channel carries no identity (so that nothing that reaches the init can ask for more).
public struct ExecOptions: Sendable, Hashable {
    public var workingDirectory: String?
    /// Set over the workload's environment.
    public var environment: [String: String]

    public init(workingDirectory: String? = nil, environment: [String: String] = [:]) {
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    public var isEmpty: Bool { workingDirectory == nil && environment.isEmpty }
}
