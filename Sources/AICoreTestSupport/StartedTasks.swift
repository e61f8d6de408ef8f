import AICoreRuntime
import Synchronization
import Testing

/// The tasks a test started on a real driver, removed after it ends: `remove` kills what is left
/// in a cgroup and deletes directories, which blocks, and a `defer` cannot await it off the
/// cooperative pool. Tests start their tasks with `startRemovedAfterTest` in a suite (or test)
/// marked `.removesStartedTasks`.
public final class StartedTasks: Sendable {
    @TaskLocal static var current: StartedTasks?

    private let started = Mutex<[(any TaskDriver, TaskHandle)]>([])

    func add(_ handle: TaskHandle, of driver: any TaskDriver) {
        started.withLock { $0.append((driver, handle)) }
    }

    /// Removes every task, newest first, on a thread of its own.
    func removeAll() async {
        let all = started.withLock { all in
            defer { all = [] }
            return all
        }
        for (driver, handle) in all.reversed() {
            _ = try? await offload { try driver.remove(handle) }
        }
    }
}

/// After each test, removes every task it started with `startRemovedAfterTest`.
public struct RemovesStartedTasks: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else {
            try await function()
            return
        }
        let tasks = StartedTasks()
        do {
            try await StartedTasks.$current.withValue(tasks) { try await function() }
        } catch {
            await tasks.removeAll()
            throw error
        }
        await tasks.removeAll()
    }
}

extension Trait where Self == RemovesStartedTasks {
    /// Every task a test starts with `startRemovedAfterTest` is removed after it.
    public static var removesStartedTasks: Self { RemovesStartedTasks() }
}

extension TaskDriver {
    /// `start`, with the task removed after the test (the test runs under `.removesStartedTasks`).
    public func startRemovedAfterTest(_ spec: TaskSpec, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TaskHandle {
        let handle = try await start(spec)
        guard let tasks = StartedTasks.current else {
            Issue.record("startRemovedAfterTest outside a test marked .removesStartedTasks", sourceLocation: sourceLocation)
            _ = try? await offload { try self.remove(handle) }
            throw CancellationError()
        }
        tasks.add(handle, of: self)
        return handle
    }
}
