import AICoreSpec

/// How one rollout of a service runs, resolved against its replica count: `x-aicore.rollout`
/// (Kubernetes RollingUpdate) or, when the service has one, Compose's `deploy.update_config`
/// (`rollback_config` for a rollback) mapped onto the same counts, bounded by the service's
/// `disruption_budget`.
public struct RolloutPolicy: Sendable, Hashable {
    /// Replicas above the desired count while rolling.
    public var maxSurge: Int
    /// How many ready replicas must stay in service throughout (the budget included).
    public var minAvailable: Int
    public var minReady: Duration
    public var progressDeadline: Duration
    /// How long new replicas are watched after the last one became available.
    public var monitor: Duration
    /// Pause between batches (`update_config.delay`).
    public var delay: Duration
    public var failureAction: UpdateConfig.FailureAction
    /// The share of new replicas that may fail before the rollout does (`max_failure_ratio`).
    public var maxFailureRatio: Double
    public var drainTimeout: Duration
    public var revisionHistory: Int

    public init(maxSurge: Int, minAvailable: Int, minReady: Duration = .zero, progressDeadline: Duration = .seconds(600),
                monitor: Duration = .seconds(5), delay: Duration = .zero, failureAction: UpdateConfig.FailureAction = .rollback,
                maxFailureRatio: Double = 0, drainTimeout: Duration = .seconds(10), revisionHistory: Int = 10) {
        self.maxSurge = maxSurge
        self.minAvailable = minAvailable
        self.minReady = minReady
        self.progressDeadline = progressDeadline
        self.monitor = monitor
        self.delay = delay
        self.failureAction = failureAction
        self.maxFailureRatio = maxFailureRatio
        self.drainTimeout = drainTimeout
        self.revisionHistory = revisionHistory
    }

    /// The policy of `service` at `replicas`; `rollback` reads `rollback_config` instead.
    public static func of(_ service: Service, replicas: Int, rollback: Bool = false) -> RolloutPolicy {
        let settings = service.aicore.rollout
        var surge: Int
        var unavailable: Int
        var policy = RolloutPolicy(maxSurge: 0, minAvailable: 0, minReady: settings.minReady,
                                   progressDeadline: settings.progressDeadline,
                                   failureAction: settings.autoRollback ? .rollback : .pause,
                                   drainTimeout: settings.drainTimeout, revisionHistory: settings.revisionHistory)
        if let update = rollback ? service.deploy.rollbackConfig : service.deploy.updateConfig {
            let batch = update.parallelism == 0 ? max(replicas, 1) : update.parallelism
            surge = update.order == .startFirst ? batch : 0
            unavailable = update.order == .startFirst ? 0 : batch
            policy.monitor = update.monitor
            policy.delay = update.delay
            policy.failureAction = update.failureAction
            policy.maxFailureRatio = update.maxFailureRatio
        } else {
            surge = settings.maxSurge.resolve(of: replicas, roundUp: true)
            unavailable = settings.maxUnavailable.resolve(of: replicas, roundUp: false)
            if rollback { policy.failureAction = .pause }
        }
        // A single replica that binds its service's own port cannot run beside its successor.
        if !canSurge(service, replicas: replicas) {
            surge = 0
        }
        // 0/0 would never move (the spec refuses it; a single replica that cannot surge gets here): one at a time.
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        var minAvailable = max(replicas - unavailable, 0)
        if let budget = service.aicore.disruptionBudget {
            let floor = DisruptionBudgetFloor.minimumReady(budget, replicas: replicas)
            if floor > minAvailable {
                minAvailable = floor
                // Held at full strength, only a surge replica can make room.
                if surge == 0 && minAvailable >= replicas && canSurge(service, replicas: replicas) { surge = 1 }
            }
        }
        policy.maxSurge = surge
        policy.minAvailable = minAvailable
        return policy
    }

    static func canSurge(_ service: Service, replicas: Int) -> Bool {
        replicas > 1 || service.ports.isEmpty
    }
}

/// The number of ready replicas a disruption budget keeps, as a Kubernetes PDB counts it.
public enum DisruptionBudgetFloor {
    public static func minimumReady(_ budget: DisruptionBudget, replicas: Int) -> Int {
        switch budget {
        case let .minAvailable(value): min(value.resolve(of: replicas, roundUp: true), replicas)
        case let .maxUnavailable(value): max(replicas - value.resolve(of: replicas, roundUp: false), 0)
        }
    }
}
