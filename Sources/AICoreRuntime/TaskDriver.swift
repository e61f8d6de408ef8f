import AICoreErrors
import AICoreSystem

/// What the supervisor needs from a runtime (Nomad's DriverPlugin shape). `LinuxTaskDriver` is
/// the real one; tests use fakes.
public protocol TaskDriver: Sendable {
    /// Starts the task; returns once its workload has exec'd (or throws what went wrong).
    func start(_ spec: TaskSpec) async throws -> TaskHandle
    /// Re-adopts a task started earlier (possibly by another agent process) from its state
    /// directory, without restarting it. `spec` gives the identity an exec must take on.
    func recover(id: String, spec: TaskSpec) async throws -> TaskHandle
    /// Waits for the task to end, then removes its cgroup. Safe to call again.
    func wait(_ handle: TaskHandle) async throws -> TaskExit
    func signal(_ handle: TaskHandle, _ signal: Int32) throws
    /// `signal`, then SIGKILL after `grace`; returns how it ended.
    func stop(_ handle: TaskHandle, signal: Int32, grace: Duration) async throws -> TaskExit
    /// Runs `command` inside the task (health checks, `aicore-node exec`) until it ends or
    /// `timeout`, and collects its output (stdout and stderr together, at most `outputLimit`
    /// bytes). Throws when it cannot be started. The task's own init makes the process: nothing
    /// of the caller (its memory, its descriptors) is ever copied into the task.
    nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], timeout: Duration, outputLimit: Int) async throws -> ExecOutcome
    /// `run` as another user, in another directory or with more environment (lifecycle hooks, `exec -u/-w/-e`).
    /// Defaults to `run` when `options` is empty, and to an error otherwise.
    nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], options: ExecOptions, timeout: Duration,
                                     outputLimit: Int) async throws -> ExecOutcome
    /// Runs `command` inside the task again and again as `plan` says (a Compose healthcheck)
    /// without a task of the caller's per run; `notify` (which must return at once) says when
    /// the plan's policy wants the results taken. nil when the driver or the task cannot; the
    /// caller then makes each run itself with `run`. Defaults to nil.
    func repeatRun(_ handle: TaskHandle, command: [String], plan: RepeatPlan,
                   notify: @escaping @Sendable () -> Void) -> (any RepeatedRun)?
    /// What the task uses now; read off the caller's thread.
    func stats(_ handle: TaskHandle) async throws -> TaskStats
    /// Removes what is left of an ended task (state directory, cgroup).
    func remove(_ handle: TaskHandle) throws
    /// Removes the remains of a start that never completed (an agent killed between creating
    /// the state directory and recording the task): kills whatever runs in the task's cgroup and
    /// removes the cgroup and the state directory. Nothing there: nothing to do.
    func discard(id: String, spec: TaskSpec) async throws
    /// Whether the task's init recorded an exit of its workload (a recovered task whose process
    /// is gone): false when the init never ran one, or was killed before it could say.
    func hasRecordedExit(_ handle: TaskHandle) async -> Bool
    /// Which network namespace the task's process is in (an identity to compare, e.g. the
    /// namespace's inode), or nil when the driver cannot tell or the process is gone. Instances
    /// sharing another's namespace (`TaskSpec.Network.joining`) compare theirs with it.
    /// Defaults to nil.
    func networkNamespace(of handle: TaskHandle) -> UInt64?
    /// Freezes (`pause`) or thaws (`unpause`) every process of the task, and returns once the
    /// kernel holds them so. Throws when the driver or the host cannot (defaults to that).
    func setFrozen(_ handle: TaskHandle, _ frozen: Bool) async throws
    /// Whether the task's processes are frozen now (a paused instance found at re-adoption).
    /// Defaults to false.
    func isFrozen(_ handle: TaskHandle) async -> Bool
    /// The task's root as its processes see it, its volumes and tmpfs mounts included: the
    /// directory `cp` resolves the instance's paths in (`RootedDirectory.open(inRoot:)`).
    /// Throws `.conflict` when the task's process is gone, and `.unavailable` when the driver
    /// cannot (defaults to that).
    func rootDirectory(_ handle: TaskHandle) async throws -> RootedDirectory
}

extension TaskDriver {
    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], options: ExecOptions, timeout: Duration,
                                            outputLimit: Int) async throws -> ExecOutcome {
        guard options.isEmpty else {
            throw AICoreError(code: .badRequest, message: "this driver cannot run a command as another user, in another directory or with more environment")
        }
        return try await run(handle, command: command, timeout: timeout, outputLimit: outputLimit)
    }

    public func networkNamespace(of handle: TaskHandle) -> UInt64? { nil }

    public func setFrozen(_ handle: TaskHandle, _ frozen: Bool) async throws {
        throw AICoreError(.unavailable, "this node's runtime cannot pause instances")
    }

    public func isFrozen(_ handle: TaskHandle) async -> Bool { false }

    public func rootDirectory(_ handle: TaskHandle) async throws -> RootedDirectory {
        throw AICoreError(.unavailable, "this node's runtime cannot reach an instance's files")
    }

    public func repeatRun(_ handle: TaskHandle, command: [String], plan: RepeatPlan,
                          notify: @escaping @Sendable () -> Void) -> (any RepeatedRun)? {
        nil
    }
}
