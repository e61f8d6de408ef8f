/// How a changed service is rolled out (`x-aicore.rollout`), with Kubernetes' defaults.
public struct RolloutSettings: Sendable, Hashable {
    public var maxSurge: IntOrPercent
    public var maxUnavailable: IntOrPercent
    /// How long a new replica must stay ready before it counts as available.
    public var minReady: Duration
    /// A rollout that makes no progress for this long has failed.
    public var progressDeadline: Duration
    public var autoRollback: Bool
    /// Previous revisions kept for `rollout undo`.
    public var revisionHistory: Int
    /// How long a leaving replica's open connections may drain before its stop signal.
    public var drainTimeout: Duration

    public init(
        maxSurge: IntOrPercent = .percent(25), maxUnavailable: IntOrPercent = .percent(25),
        minReady: Duration = .zero, progressDeadline: Duration = .seconds(600), autoRollback: Bool = true,
        revisionHistory: Int = 10, drainTimeout: Duration = .seconds(10)
    ) {
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
        self.minReady = minReady
        self.progressDeadline = progressDeadline
        self.autoRollback = autoRollback
        self.revisionHistory = revisionHistory
        self.drainTimeout = drainTimeout
    }
}
