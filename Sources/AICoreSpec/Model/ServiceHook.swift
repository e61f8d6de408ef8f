/// One Compose lifecycle hook (`post_start`, `pre_stop`): a command run inside a running
/// instance, through the same exec channel as `aicore-node exec` and exec healthchecks.
public struct ServiceHook: Sendable, Hashable {
    /// argv; a string in the file is split like a shell would (as `command`).
    public var command: [String]
    /// Who runs it (`user`: a name or uid[:gid], resolved in the instance's /etc/passwd and
    /// /etc/group when the hook runs); nil: the workload's user. Its capabilities follow
    /// Docker's rule for that user, with the service's `cap_add`/`cap_drop` and `group_add`.
    public var user: String?
    /// `privileged: true`, taken only on a privileged service (whose workload already holds
    /// every capability): a hook never holds more than its instance.
    public var privileged: Bool
    /// Where it runs (`working_dir`, absolute); nil: the workload's working directory.
    public var workingDir: String?
    /// Added to (and overriding) the workload's environment.
    public var environment: [String: String]

    public init(command: [String], user: String? = nil, privileged: Bool = false, workingDir: String? = nil,
                environment: [String: String] = [:]) {
        self.command = command
        self.user = user
        self.privileged = privileged
        self.workingDir = workingDir
        self.environment = environment
    }
}
