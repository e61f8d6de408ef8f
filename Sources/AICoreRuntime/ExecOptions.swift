/// How a command run inside a task differs from the workload's own process (a Compose
/// lifecycle hook's or `exec`'s `user`, `working_dir` and `environment`). Empty: exactly the
/// workload's.
///
/// The instance's init makes the process. By default it gets the workload's identity,
/// capabilities and seccomp filter, which the init took on at start. Another `user` is resolved
/// in the instance's own /etc/passwd and /etc/group. Its capabilities follow the instance's
/// `IdentityRules`, as Docker's `exec -u` gives them. It keeps the workload's seccomp filter,
/// rlimits and no_new_privs. Only the agent reaches the init's exec channel.
public struct ExecOptions: Sendable, Hashable {
    /// `name|uid[:gid]`; nil: the workload's user.
    public var user: String?
    public var workingDirectory: String?
    /// Set over the workload's environment.
    public var environment: [String: String]

    public init(user: String? = nil, workingDirectory: String? = nil, environment: [String: String] = [:]) {
        self.user = user
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    public var isEmpty: Bool { user == nil && workingDirectory == nil && environment.isEmpty }
}
