import AICoreErrors
import AICoreRuntime

/// Runs a command inside an instance (its namespaces, cgroup and user) and collects its
/// output: exec healthchecks and probes, and `aicore-node exec`.
public struct ExecProber: Sendable {
    public var driver: any TaskDriver
    public var command: [String]
    /// Output beyond this many bytes (stdout and stderr together) is dropped.
    public var outputLimit: Int = ProbeOutcome.maxOutputBytes

    public init(driver: any TaskDriver, command: [String], outputLimit: Int = ProbeOutcome.maxOutputBytes) {
        self.driver = driver
        self.command = command
        self.outputLimit = outputLimit
    }

    public nonisolated(nonsending) func check(_ handle: TaskHandle, timeout: Duration) async -> ProbeOutcome {
        do {
            return Self.outcome(.success(try await driver.run(handle, command: command, timeout: timeout, outputLimit: outputLimit)),
                                command: command, timeout: timeout)
        } catch {
            return Self.outcome(.failure(error), command: command, timeout: timeout)
        }
    }

    /// What a person reads of one run of `command` (made by `check`, or repeated by the driver).
    public static func outcome(_ run: Result<ExecOutcome, any Error>, command: [String], timeout: Duration) -> ProbeOutcome {
        let outcome: ExecOutcome
        switch run {
        case let .success(ran):
            outcome = ran
        case let .failure(error):
            let code = (error as? AICoreError)?.exitCode
            return ProbeOutcome(passed: false, exitCode: code, output: "\(error)")
        }
        switch outcome.ending {
        case let .exited(status):
            return ProbeOutcome(passed: status == .exited(0), exitCode: status.exitCode, output: outcome.output)
        case .timedOut:
            return ProbeOutcome(passed: false, output: "timeout after \(DurationText.format(timeout))" + (outcome.output.isEmpty ? "" : ": " + outcome.output))
        case .lost:
            return ProbeOutcome(passed: false, output: "lost the check's process")
        }
    }
}
