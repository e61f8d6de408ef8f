/// A status condition the autoscaler reports, with Kubernetes' condition types and reasons.
public struct AutoscalerCondition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Whether the target can be scaled now, or why a recommendation was held back.
        case ableToScale = "AbleToScale"
        /// Whether metrics could be turned into a recommendation.
        case scalingActive = "ScalingActive"
        /// Whether the recommendation was clipped by bounds or rate limits.
        case scalingLimited = "ScalingLimited"
    }

    public var kind: Kind
    public var status: Bool
    /// Kubernetes' machine-readable reason, e.g. `ScaleUpLimit`, `ScaleDownStabilized`.
    public var reason: String
    public var message: String

    public init(_ kind: Kind, _ status: Bool, reason: String, message: String) {
        self.kind = kind
        self.status = status
        self.reason = reason
        self.message = message
    }
}

extension [AutoscalerCondition] {
    /// Replaces the condition of the same kind, or appends it, as Kubernetes' `setCondition` does.
    mutating func set(_ condition: AutoscalerCondition) {
        if let index = firstIndex(where: { $0.kind == condition.kind }) {
            self[index] = condition
        } else {
            append(condition)
        }
    }
}
