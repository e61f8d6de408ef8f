import AICoreErrors
import AICoreOS

extension LinuxTaskDriver {
    /// `run` with the working directory and environment `options` give, through the same exec
    /// channel: the instance's init makes the process, in every namespace and the cgroup of the
    /// instance, with the workload's identity.
    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], options: ExecOptions, timeout: Duration,
                                            outputLimit: Int) async throws -> ExecOutcome {
        guard !options.isEmpty else {
            return try await run(handle, command: command, timeout: timeout, outputLimit: outputLimit)
        }
        var process = execProcess(handle, command: command)
        if let directory = options.workingDirectory { process.workingDirectory = directory }
        let environment = options.environment.sorted { $0.key < $1.key }
        for (key, value) in environment {
            process.environment = process.environment.filter { !$0.hasPrefix(key + "=") } + [key + "=" + value]
        }
        // Names the request in the channel's cache of encoded requests: everything that differs.
        let key = "\(handle.startTime)\u{0}\(options.workingDirectory ?? "")\u{0}"
            + environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
            + "\u{0}\u{0}" + command.joined(separator: "\u{0}")
        return try await run(handle, process: process, requestKey: key, timeout: timeout, outputLimit: outputLimit)
    }
}
