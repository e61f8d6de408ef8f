/// Compose `deploy.update_config` / `deploy.rollback_config`, with defaults filled in.
public struct UpdateConfig: Sendable, Hashable {
    public enum FailureAction: String, Sendable, Hashable, CaseIterable {
        case rollback, pause, `continue`
    }

    public enum Order: String, Sendable, Hashable, CaseIterable {
        case stopFirst = "stop-first"
        case startFirst = "start-first"
    }

    public var parallelism: Int
    public var delay: Duration
    public var failureAction: FailureAction
    public var monitor: Duration
    public var maxFailureRatio: Double
    public var order: Order

    /// Unlike Compose (which pauses), a failed update rolls back by default: the safe choice
    /// for a single host with no operator watching.
    public static let updateDefaults = UpdateConfig(failureAction: .rollback)
    public static let rollbackDefaults = UpdateConfig(failureAction: .pause)

    public init(
        parallelism: Int = 1, delay: Duration = .zero, failureAction: FailureAction,
        monitor: Duration = .seconds(5), maxFailureRatio: Double = 0, order: Order = .stopFirst
    ) {
        self.parallelism = parallelism
        self.delay = delay
        self.failureAction = failureAction
        self.monitor = monitor
        self.maxFailureRatio = maxFailureRatio
        self.order = order
    }
}
