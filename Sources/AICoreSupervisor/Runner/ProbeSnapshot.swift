/// What an instance's checks last said, as the Store kept it: restored when a new agent
/// re-adopts the instance.
public struct ProbeSnapshot: Sendable, Equatable {
    /// `starting|healthy|unhealthy` (Compose healthcheck), nil without one.
    public var health: String?
    public var ready: Bool

    public init(health: String?, ready: Bool) {
        self.health = health
        self.ready = ready
    }

    static func status(_ health: String?) -> ProbeTracker.Status {
        switch health {
        case "healthy": .passing
        case "unhealthy": .failing
        default: .unknown
        }
    }
}
