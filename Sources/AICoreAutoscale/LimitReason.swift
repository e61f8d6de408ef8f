/// Why the final replica count differs, or not, from the stabilised recommendation.
public enum LimitReason: String, Sendable, Hashable {
    case desiredWithinRange = "DesiredWithinRange"
    case scaleUpLimit = "ScaleUpLimit"
    case scaleDownLimit = "ScaleDownLimit"
    case tooManyReplicas = "TooManyReplicas"
    case tooFewReplicas = "TooFewReplicas"

    public var message: String {
        switch self {
        case .desiredWithinRange: "the desired count is within the acceptable range"
        case .scaleUpLimit: "the desired replica count is increasing faster than the maximum scale rate"
        case .scaleDownLimit: "the desired replica count is decreasing faster than the maximum scale rate"
        case .tooManyReplicas: "the desired replica count is more than the maximum replica count"
        case .tooFewReplicas: "the desired replica count is less than the minimum replica count"
        }
    }
}

/// Whether a recommendation was held back by the stabilisation window.
public enum StabilizationReason: String, Sendable, Hashable {
    case readyForNewScale = "ReadyForNewScale"
    case scaleUpStabilized = "ScaleUpStabilized"
    case scaleDownStabilized = "ScaleDownStabilized"

    public var message: String {
        switch self {
        case .readyForNewScale: "recommended size matches current size"
        case .scaleUpStabilized: "recent recommendations were lower than current one, applying the lowest recent recommendation"
        case .scaleDownStabilized: "recent recommendations were higher than current one, applying the highest recent recommendation"
        }
    }
}
