import AICoreErrors
import AICoreOS
import AICoreRuntime
import AICoreSupervisor
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A `TaskDriver` with no processes: tasks start instantly and end when the test says
/// (`exit`), or when signalled (unless told to ignore SIGTERM). Records every call.
public final class FakeTaskDriver: TaskDriver, Sendable {
    public struct Started: Sendable, Equatable {
        public var id: String
        public var pid: Int32
    }

    private struct FakeTask {
        var id: String
        var pid: Int32
        var exit: TaskExit?
        var waiters: [CheckedContinuation<TaskExit, Never>] = []
        var ignoresTerm: Bool
    }

    private struct State {
        var nextPid: Int32 = 1000
        var tasks: [Int32: FakeTask] = [:]
        var started: [Started] = []
        var signals: [(pid: Int32, signal: Int32)] = []
        var startFailures: [String: [AICoreError]] = [:]
        var ignoringTerm: Set<String> = []
        var discarded: [String] = []
        var onDiscard: (@Sendable (String) async -> Void)?
        /// id → what its tasks print as they start, and the log directory they print into.
        var printsAtStart: [String: (line: String, logDirectory: String)] = [:]
        /// Pids of the frozen tasks (`pause`).
        var frozen: Set<Int32> = []
    }

    private let state = Mutex(State())

    public init() {}

    // MARK: test controls

    /// Every start, in order.
    public var started: [Started] { state.withLock { $0.started } }
    public var signals: [(pid: Int32, signal: Int32)] { state.withLock { $0.signals } }
    public var discarded: [String] { state.withLock { $0.discarded } }
    /// The pid of the newest running task of `id`.
    public func runningPid(_ id: String) -> Int32? {
        state.withLock { s in s.tasks.values.filter { $0.id == id && $0.exit == nil }.map(\.pid).max() }
    }

    /// Calls `hook` with the id at every `discard`, before it returns (what a test needs to see
    /// the state of things at that moment).
    public func whenDiscarding(_ hook: @escaping @Sendable (String) async -> Void) {
        state.withLock { $0.onDiscard = hook }
    }

    /// The next start of `id` fails with `error`.
    public func failNextStart(_ id: String, _ error: AICoreError) {
        state.withLock { $0.startFailures[id, default: []].append(error) }
    }

    /// Tasks of `id` started from now on ignore SIGTERM (SIGKILL still ends them).
    public func ignoreTerm(_ id: String) {
        state.withLock { _ = $0.ignoringTerm.insert(id) }
    }

    /// Tasks of `id` started from now on print `line` on stderr as they start, into an instance
    /// log in `logDirectory`, and their start returns only once the wall clock is in the next
    /// second: a workload that speaks at once, while its start returns a moment later.
    public func printsAtStart(_ id: String, _ line: String, logDirectory: String) {
        state.withLock { $0.printsAtStart[id] = (line, logDirectory) }
    }

    /// Ends the running task of `id` as if its workload had exited.
    public func exit(_ id: String, _ status: WaitStatus, oomKilled: Bool = false) {
        guard let pid = runningPid(id) else { return }
        finish(pid, TaskExit(status: status, oomKilled: oomKilled, finishedAt: "2026-01-01T00:00:00.000000000Z"))
    }

    /// A task that `recover` will find (an instance left by an earlier agent).
    public func plant(id: String, pid: Int32, exited: TaskExit? = nil) {
        state.withLock { $0.tasks[pid] = FakeTask(id: id, pid: pid, exit: exited, ignoresTerm: false) }
    }

    private func finish(_ pid: Int32, _ exit: TaskExit) {
        let waiters = state.withLock { s -> [CheckedContinuation<TaskExit, Never>] in
            guard var task = s.tasks[pid], task.exit == nil else { return [] }
            task.exit = exit
            let waiters = task.waiters
            task.waiters = []
            s.tasks[pid] = task
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    private func handle(id: String, pid: Int32, logDirectory: String? = nil) -> TaskHandle {
        TaskHandle(id: id, pid: pid, startTime: UInt64(pid), pidfd: nil, stateDirectory: "/fake/\(id)", logDirectory: logDirectory ?? "/fake/\(id)",
                   cgroup: nil, process: ProcessSpec(arguments: ["fake"]), namespaces: NamespaceSet(rawValue: 0))
    }

    // MARK: TaskDriver

    public func start(_ spec: TaskSpec) async throws -> TaskHandle {
        if let prints = state.withLock({ $0.printsAtStart[spec.id] }) {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let line = "\(WallClock.rfc3339(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))) stderr F \(prints.line)\n"
            let file = prints.logDirectory + "/" + LinuxTaskDriver.logFileName
            guard let out = fopen(file, "a") else { throw AICoreError(code: .systemCall, message: "cannot write \(file)") }
            fputs(line, out)
            fclose(out)
            // Into the next second (and 10 ms more): the start returns after it.
            try? await Task.sleep(for: .nanoseconds(1_010_000_000 - Int(now.tv_nsec)))
        }
        return try state.withLock { s in
            if var failures = s.startFailures[spec.id], !failures.isEmpty {
                let error = failures.removeFirst()
                s.startFailures[spec.id] = failures
                throw error
            }
            s.nextPid += 1
            let pid = s.nextPid
            s.tasks[pid] = FakeTask(id: spec.id, pid: pid, ignoresTerm: s.ignoringTerm.contains(spec.id))
            s.started.append(Started(id: spec.id, pid: pid))
            return handle(id: spec.id, pid: pid, logDirectory: s.printsAtStart[spec.id]?.logDirectory)
        }
    }

    public func recover(id: String, spec: TaskSpec) async throws -> TaskHandle {
        guard let pid = state.withLock({ s in s.tasks.values.filter { $0.id == id }.map(\.pid).max() }) else {
            throw AICoreError(code: .notFound, message: "no task \(id)")
        }
        return handle(id: id, pid: pid)
    }

    public func hasRecordedExit(_ handle: TaskHandle) async -> Bool {
        state.withLock { $0.tasks[handle.pid]?.exit != nil }
    }

    public func wait(_ handle: TaskHandle) async throws -> TaskExit {
        await withCheckedContinuation { (continuation: CheckedContinuation<TaskExit, Never>) in
            let done = state.withLock { s -> TaskExit? in
                guard var task = s.tasks[handle.pid] else { return TaskExit(status: .signaled(SIGKILL), oomKilled: false, finishedAt: nil) }
                if let exit = task.exit { return exit }
                task.waiters.append(continuation)
                s.tasks[handle.pid] = task
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Whether the task `pid` is frozen (`setFrozen`).
    public func isFrozen(pid: Int32) -> Bool { state.withLock { $0.frozen.contains(pid) } }

    public func setFrozen(_ handle: TaskHandle, _ frozen: Bool) async throws {
        state.withLock { s in
            if frozen { s.frozen.insert(handle.pid) } else { s.frozen.remove(handle.pid) }
        }
    }

    public func isFrozen(_ handle: TaskHandle) async -> Bool { isFrozen(pid: handle.pid) }

    public func signal(_ handle: TaskHandle, _ signal: Int32) throws {
        let ends = state.withLock { s -> Bool in
            s.signals.append((handle.pid, signal))
            guard let task = s.tasks[handle.pid], task.exit == nil else { return false }
            return signal == SIGKILL || !(task.ignoresTerm && signal == SIGTERM)
        }
        if ends { finish(handle.pid, TaskExit(status: .signaled(signal), oomKilled: false, finishedAt: nil)) }
    }

    public func stop(_ handle: TaskHandle, signal: Int32, grace: Duration) async throws -> TaskExit {
        try self.signal(handle, signal)
        return try await wait(handle)
    }

    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], timeout: Duration,
                                            outputLimit: Int) async throws -> ExecOutcome {
        throw AICoreError(code: .notFound, message: "the fake driver runs no processes; use FakeProbeExecutor")
    }

    public func stats(_ handle: TaskHandle) async throws -> TaskStats { TaskStats() }

    public func remove(_ handle: TaskHandle) throws {}

    public func discard(id: String, spec: TaskSpec) async throws {
        let hook = state.withLock { state in
            state.discarded.append(id)
            return state.onDiscard
        }
        await hook?(id)
    }
}
