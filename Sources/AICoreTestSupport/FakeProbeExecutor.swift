import AICoreRuntime
import AICoreSupervisor
import Synchronization

/// Probe answers set by the test: per action (by its description prefix: `http-get`,
/// `tcp-socket`, `exec`), or one for all.
public final class FakeProbeExecutor: ProbeExecutor, Sendable {
    private let answers = Mutex<[String: ProbeOutcome]>([:])
    private let calls = Mutex<[String]>([])

    public init(default outcome: ProbeOutcome = ProbeOutcome(passed: true, output: "ok")) {
        answers.withLock { $0[""] = outcome }
    }

    /// Every check from now on whose action description starts with `prefix` gets `outcome`.
    public func answer(_ prefix: String, _ outcome: ProbeOutcome) {
        answers.withLock { $0[prefix] = outcome }
    }

    public var callCount: Int { calls.withLock { $0.count } }

    public func run(_ action: ProbeAction, on handle: TaskHandle, timeout: Duration) async -> ProbeOutcome {
        let text = action.description
        calls.withLock { $0.append(text) }
        return answers.withLock { table in
            table.filter { !$0.key.isEmpty && text.hasPrefix($0.key) }.max { $0.key.count < $1.key.count }?.value
                ?? table[""] ?? ProbeOutcome(passed: true, output: "ok")
        }
    }
}
