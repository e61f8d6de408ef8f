import AICoreErrors
/// What the autoscaler decided for one evaluation.
public struct ScaleDecision: Sendable {
    public var currentReplicas: Int32
    /// The count to scale to; equal to `currentReplicas` when nothing should change.
    public var desiredReplicas: Int32
    /// Event text for a rescale, e.g. "cpu resource utilization (percentage of request) above target".
    public var reason: String
    /// `AbleToScale`, `ScalingActive` and `ScalingLimited` as Kubernetes would report them.
    public var conditions: [AutoscalerCondition]
    /// Set when some metric failed. With `desiredReplicas == currentReplicas` and no rescale
    /// it explains why nothing happened; alongside a rescale, scaling went ahead on the rest.
    public var metricsError: AICoreError?

    public var rescale: Bool { desiredReplicas != currentReplicas }

    public func condition(_ kind: AutoscalerCondition.Kind) -> AutoscalerCondition? {
        conditions.first { $0.kind == kind }
    }
}
