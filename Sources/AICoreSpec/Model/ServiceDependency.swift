/// One `depends_on` edge.
public struct ServiceDependency: Sendable, Hashable {
    public enum Condition: String, Sendable, Hashable, CaseIterable {
        case serviceStarted = "service_started"
        case serviceHealthy = "service_healthy"
        case serviceCompletedSuccessfully = "service_completed_successfully"
    }

    public var service: String
    public var condition: Condition
    /// Restart this service when the dependency is restarted by an operator.
    public var restart: Bool
    /// When false, a missing or disabled dependency is tolerated.
    public var required: Bool

    public init(service: String, condition: Condition = .serviceStarted, restart: Bool = false, required: Bool = true) {
        self.service = service
        self.condition = condition
        self.restart = restart
        self.required = required
    }
}
