/// One Compose lifecycle hook (`post_start`, `pre_stop`): a command run inside a running
/// instance, through the same exec channel as `aicore-node exec` and exec healthchecks.
public struct ServiceHook: Sendable, Hashable {
    /// argv; a string in the file is split like a shell would (as `command`).
    public var command: [String]
    /// Who runs it (`user`): the loader takes only the service's own user, since a hook always
    /// runs as its workload; kept so that `config print` gives the file back.
    public var user: String?
    /// Where it runs (`working_dir`, absolute); nil: the workload's working directory.
    public var workingDir: String?
    /// Added to (and overriding) the workload's environment.
    public var environment: [String: String]

    public init(command: [String], user: String? = nil, workingDir: String? = nil, environment: [String: String] = [:]) {
        self.command = command
        self.user = user
        self.workingDir = workingDir
        self.environment = environment
    }
}
