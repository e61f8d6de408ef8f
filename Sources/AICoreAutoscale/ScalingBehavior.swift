/// Per-direction scaling rules (Kubernetes `HorizontalPodAutoscalerBehavior`).
public struct ScalingBehavior: Sendable, Hashable {
    public var scaleUp: ScalingRules?
    public var scaleDown: ScalingRules?

    public init(scaleUp: ScalingRules? = nil, scaleDown: ScalingRules? = nil) {
        self.scaleUp = scaleUp
        self.scaleDown = scaleDown
    }

    /// Kubernetes' default behaviour: every field defaulted.
    public static let `default` = ScalingBehavior()

    public var effectiveScaleUp: EffectiveScalingRules {
        (scaleUp ?? ScalingRules()).resolved(over: .defaultScaleUp)
    }

    /// - Parameter defaultStabilizationWindowSeconds: the controller-wide downscale window used
    ///   when the rules leave it unset.
    public func effectiveScaleDown(defaultStabilizationWindowSeconds: Int32 = 300) -> EffectiveScalingRules {
        (scaleDown ?? ScalingRules()).resolved(
            over: .defaultScaleDown(stabilizationWindowSeconds: defaultStabilizationWindowSeconds))
    }

    /// Tolerances per direction, falling back to `fallback` where the rules set none.
    public func tolerances(fallback: Tolerances = .default) -> Tolerances {
        Tolerances(
            scaleDown: scaleDown?.tolerance ?? fallback.scaleDown,
            scaleUp: scaleUp?.tolerance ?? fallback.scaleUp)
    }
}
