/// Where an instance is in its life (Kubernetes' container states, Docker's words), as the
/// supervisor drives it and the Store records it.
public enum InstanceState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not placed: the scheduler found no room (`statusReason` says why). Never a runner's state.
    case pending
    case created
    case starting
    case running
    /// Running, and its healthcheck / readiness probe passes.
    case healthy
    /// Running, and its healthcheck / readiness probe fails.
    case unhealthy
    /// Its processes are frozen (`pause`, the cgroup freezer): not checked, not ready, not
    /// restarted, until `unpause`.
    case paused
    case stopping
    case exited
    /// Exited, waiting out a back-off before the next start.
    case backoff
    /// The restart budget is spent: not started again.
    case failed

    /// A process exists (or is being made) for the instance.
    public var isActive: Bool {
        switch self {
        case .starting, .running, .healthy, .unhealthy, .paused, .stopping: true
        default: false
        }
    }

    /// Its process runs and is not being stopped: what `aicore_instance_up` and a service's
    /// running count report.
    public var isUp: Bool {
        switch self {
        case .starting, .running, .healthy, .unhealthy: true
        default: false
        }
    }

    /// Ended and not started again on its own: exited (completed or given up) or failed.
    public var hasEnded: Bool { self == .exited || self == .failed }
}

/// What the operator wants of an instance.
public enum DesiredState: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    /// `stop`: kept, not restarted, until `start`.
    case stopped
}
