/// Rules for one direction as written in a spec: any field left `nil` takes Kubernetes' default
/// for that direction (see `ScalingBehavior`).
public struct ScalingRules: Sendable, Hashable {
    /// Seconds of past recommendations to consider before changing the count.
    public var stabilizationWindowSeconds: Int32?
    public var selectPolicy: SelectPolicy?
    public var policies: [ScalingPolicy]?
    /// Tolerance for this direction, overriding the calculator-wide one (Kubernetes 1.33+).
    public var tolerance: Double?

    public init(
        stabilizationWindowSeconds: Int32? = nil,
        selectPolicy: SelectPolicy? = nil,
        policies: [ScalingPolicy]? = nil,
        tolerance: Double? = nil
    ) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
        self.tolerance = tolerance
    }

    /// Fills every unset field from `defaults`, field by field.
    public func resolved(over defaults: EffectiveScalingRules) -> EffectiveScalingRules {
        EffectiveScalingRules(
            stabilizationWindowSeconds: stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
            selectPolicy: selectPolicy ?? defaults.selectPolicy,
            policies: policies ?? defaults.policies)
    }
}

/// Rules for one direction with every default applied; what the rate limiter works with.
public struct EffectiveScalingRules: Sendable, Hashable {
    public var stabilizationWindowSeconds: Int32
    public var selectPolicy: SelectPolicy
    public var policies: [ScalingPolicy]

    public init(stabilizationWindowSeconds: Int32, selectPolicy: SelectPolicy = .max, policies: [ScalingPolicy]) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
    }

    /// Kubernetes' scale-up default: react immediately, add up to 4 replicas or double, whichever
    /// is more, every 15 seconds.
    public static let defaultScaleUp = EffectiveScalingRules(
        stabilizationWindowSeconds: 0,
        selectPolicy: .max,
        policies: [.replicas(4, perSeconds: 15), .percent(100, perSeconds: 15)])

    /// Kubernetes' scale-down default: look back five minutes, then remove up to all replicas
    /// every 15 seconds. The window is the controller's `--horizontal-pod-autoscaler-downscale-stabilization`.
    public static func defaultScaleDown(stabilizationWindowSeconds: Int32 = 300) -> EffectiveScalingRules {
        EffectiveScalingRules(
            stabilizationWindowSeconds: stabilizationWindowSeconds,
            selectPolicy: .max,
            policies: [.percent(100, perSeconds: 15)])
    }

    /// The longest policy period: scale events older than this no longer limit anything.
    var longestPolicyPeriodSeconds: Int32 {
        policies.map(\.periodSeconds).max() ?? 0
    }
}
