import AICoreErrors

extension LinuxTaskDriver {
    /// A privileged instance starts only where the agent allows it, and never quietly: each start
    /// is a warning in the agent's log.
    func checkPrivileged(_ spec: TaskSpec) throws(AICoreError) {
        guard spec.privileged else { return }
        guard configuration.allowsPrivileged else {
            throw AICoreError(
                code: .invalidSpec,
                message: "instance \(spec.id) is privileged, which this agent does not allow (security.allow_privileged in /etc/aicore/aicore.yml)")
        }
        configuration.notice?(
            spec.id,
            "starting PRIVILEGED instance \(spec.id): every capability, no seccomp filter, every device, /proc and /sys unmasked; a root workload there can take over the host")
    }
}
