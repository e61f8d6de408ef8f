/// The body of `/health/ready`: ready only when both dependencies answered and no switch
/// holds readiness off.
public struct ReadinessReport: Codable, Equatable, Sendable {
    public var status: String
    /// Why not ready, in one line; nil when ready.
    public var reason: String?
    public var postgres: DependencyCheck?
    public var redis: DependencyCheck?

    public var isReady: Bool { status == "ready" }

    public init(postgres: DependencyCheck?, redis: DependencyCheck?, neverReady: Bool) {
        self.postgres = postgres
        self.redis = redis
        var reasons: [String] = []
        if neverReady { reasons.append("\(FaultSettings.neverReadyVariable) is set") }
        if let postgres, !postgres.ok { reasons.append("postgres: \(postgres.error ?? "failed")") }
        if let redis, !redis.ok { reasons.append("redis: \(redis.error ?? "failed")") }
        status = reasons.isEmpty ? "ready" : "not ready"
        reason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
