import AICoreRuntime
import AICoreSpec
import Logging

/// Compose's lifecycle hooks, run through the instance's exec channel (as `aicore-node exec`
/// and exec checks): inside its namespaces and cgroup, under the workload's seccomp filter. A
/// hook may name another `user` (with that user's capabilities under the service's rules, as
/// `docker exec -u`), a working directory, and more environment.
///
/// A failing hook is an event (`hook-failed`) and a log line, never a reason to kill, restart or
/// hang: `post_start` does not hold readiness back (as Compose, which does not wait for it),
/// and `pre_stop` gets at most the stop grace period before the stop signal goes out anyway.
extension TaskRunner {
    /// Runs the `post_start` hooks, in order, beside the workload just started; a hook that
    /// fails ends the sequence (as Compose).
    func startPostStartHooks(_ handle: TaskHandle) {
        let hooks = configuration.postStart
        guard !hooks.isEmpty else { return }
        let gen = generation
        let timeout = configuration.postStartTimeout
        Task {
            for (index, hook) in hooks.enumerated() {
                let outcome = await self.runHook(hook, on: handle, timeout: timeout)
                // A process that is gone (or replaced) took its hook's failure with it.
                guard gen == self.generation else { return }
                if let failure = outcome {
                    self.reportHookFailure("post_start", index, hook, failure)
                    return
                }
            }
            self.note(type: "hook-done", reason: "post_start: \(hooks.count) hook(s) ran")
        }
    }

    /// Runs the `pre_stop` hooks, in order, once per process; all of them together get at most
    /// the stop grace period, then the caller sends the stop signal whatever they did.
    func runPreStopHooks(_ handle: TaskHandle) async {
        let hooks = configuration.preStop
        guard !hooks.isEmpty, preStopGeneration != generation else { return }
        preStopGeneration = generation
        let gen = generation
        let budget = configuration.stopGracePeriod
        // Out of the proxy's rotation while the hooks run: the instance is on its way out.
        transition(.stopping, type: "stopping", reason: "Stopping: running \(hooks.count) pre_stop hook(s), at most \(DurationText.format(budget))")
        let start = clock.now
        for (index, hook) in hooks.enumerated() {
            let left = budget - start.duration(to: clock.now)
            guard left > .zero else {
                reportHookFailure("pre_stop", index, hook, HookFailure(exitCode: nil, detail: "not run: the stop grace period \(DurationText.format(budget)) was used up"))
                return
            }
            let failure = await runHook(hook, on: handle, timeout: left)
            guard gen == generation else { return }
            if let failure {
                reportHookFailure("pre_stop", index, hook, failure)
                return
            }
        }
    }

    /// Why a hook failed: its exit code when it ran, and the end of what it wrote.
    struct HookFailure: Sendable {
        var exitCode: Int32?
        var detail: String
    }

    /// nil when the hook exited 0.
    private func runHook(_ hook: ServiceHook, on handle: TaskHandle, timeout: Duration) async -> HookFailure? {
        let options = ExecOptions(user: hook.user, workingDirectory: hook.workingDir, environment: hook.environment)
        let ran: Result<ExecOutcome, any Error>
        do {
            ran = .success(try await driver.run(handle, command: hook.command, options: options, timeout: timeout,
                                                outputLimit: ProbeOutcome.maxOutputBytes))
        } catch {
            ran = .failure(error)
        }
        let outcome = ExecProber.outcome(ran, command: hook.command, timeout: timeout)
        guard !outcome.passed else { return nil }
        return HookFailure(exitCode: outcome.exitCode, detail: Self.lastLines(outcome.output))
    }

    private func reportHookFailure(_ key: String, _ index: Int, _ hook: ServiceHook, _ failure: HookFailure) {
        let code = failure.exitCode.map { "exit code \($0)" } ?? "no exit code"
        let detail = failure.detail.isEmpty ? "" : ": " + failure.detail
        let reason = "\(key)[\(index)] `\(hook.command.joined(separator: " "))` failed (\(code))\(detail)"
        logger.warning("hook failed", metadata: ["hook": "\(key)[\(index)]", "exit_code": "\(failure.exitCode.map(String.init) ?? "none")",
                                                 "output": "\(failure.detail)"])
        note(type: "hook-failed", reason: reason)
    }

    /// The last three non-empty lines of a hook's output, at most 300 characters.
    static func lastLines(_ output: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        let text = lines.suffix(3).joined(separator: " / ")
        return text.count > 300 ? "…" + text.suffix(299) : text
    }
}
