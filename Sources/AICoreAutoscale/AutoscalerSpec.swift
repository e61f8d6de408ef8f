/// Bounds and behaviour of one autoscaler (the parts of a Kubernetes HPA spec that are not metrics).
public struct AutoscalerSpec: Sendable, Hashable {
    public var minReplicas: Int32
    public var maxReplicas: Int32
    /// `nil` keeps Kubernetes' pre-behaviour algorithm: scale-down stabilisation only, and
    /// scale-ups capped at double the count or 4. `.default` gives the v2 defaults.
    public var behavior: ScalingBehavior?
    /// Scale-down window used when the behaviour leaves it unset, and by the pre-behaviour path.
    public var downscaleStabilizationWindowSeconds: Int32

    public init(
        minReplicas: Int32 = 1,
        maxReplicas: Int32,
        behavior: ScalingBehavior? = .default,
        downscaleStabilizationWindowSeconds: Int32 = 300
    ) {
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.behavior = behavior
        self.downscaleStabilizationWindowSeconds = downscaleStabilizationWindowSeconds
    }

    /// Tolerances to evaluate this spec's metrics with.
    public func tolerances(fallback: Tolerances = .default) -> Tolerances {
        behavior?.tolerances(fallback: fallback) ?? fallback
    }
}
