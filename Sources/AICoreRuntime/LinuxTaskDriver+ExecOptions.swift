import AICoreErrors
import AICoreOS
import AICoreSystem

extension LinuxTaskDriver {
    /// `run` with the user, working directory and environment `options` give, through the same
    /// exec channel: the instance's init makes the process, in every namespace and the cgroup
    /// of the instance.
    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], options: ExecOptions, timeout: Duration,
                                            outputLimit: Int) async throws -> ExecOutcome {
        guard !options.isEmpty else {
            return try await run(handle, command: command, timeout: timeout, outputLimit: outputLimit)
        }
        var process = execProcess(handle, command: command)
        if let user = options.user {
            try await takeOn(user, in: handle, &process)
        }
        if let directory = options.workingDirectory { process.workingDirectory = directory }
        let environment = options.environment.sorted { $0.key < $1.key }
        for (key, value) in environment {
            process.environment = process.environment.filter { !$0.hasPrefix(key + "=") } + [key + "=" + value]
        }
        // Names the request in the channel's cache of encoded requests: everything that differs.
        // The user is there as resolved, since the instance's /etc/passwd may change under a name.
        let identity = options.user.map { _ in
            "\(process.user.uid):\(process.user.gid):\(process.user.supplementaryGroups):\(process.capabilities.bits)"
        } ?? ""
        let key = "\(handle.startTime)\u{0}\(identity)\u{0}\(options.workingDirectory ?? "")\u{0}"
            + environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
            + "\u{0}\u{0}" + command.joined(separator: "\u{0}")
        return try await run(handle, process: process, requestKey: key, ownIdentity: options.user != nil,
                             timeout: timeout, outputLimit: outputLimit)
    }

    /// Gives `process` the identity and capabilities of `user`, read from the instance's own
    /// /etc/passwd and /etc/group as they are now (as `docker exec -u` reads them), and the
    /// user's HOME unless the service set one.
    private func takeOn(_ user: String, in handle: TaskHandle, _ process: inout ProcessSpec) async throws {
        let root = try await rootDirectory(handle)
        let rules = handle.identityRules
        let (identity, capabilities) = try await BlockingWork.run {
            try rules.resolve(user: user, passwd: { try Self.accountFile("etc/passwd", in: root) },
                              group: { try Self.accountFile("etc/group", in: root) })
        }
        let workloadHome = "HOME=" + handle.process.user.home
        if let index = process.environment.firstIndex(of: workloadHome) {
            process.environment[index] = "HOME=" + identity.home
        }
        process.user = identity
        process.capabilities = capabilities
    }
}
