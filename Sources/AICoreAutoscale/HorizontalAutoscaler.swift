import Foundation

/// One scale target's autoscaler: spec plus remembered history, deciding replica counts the way
/// Kubernetes' HPA controller does in `reconcileAutoscaler`, minus the API calls.
///
/// Callers evaluate each metric with `ReplicaCalculator`, pass the results to `evaluate`, apply
/// the decision, and then report a successful rescale with `recordRescale` so that rate-limiting
/// policies see it.
public struct HorizontalAutoscaler: Sendable, Hashable {
    public var spec: AutoscalerSpec
    public var history: ScalingHistory

    public init(spec: AutoscalerSpec, history: ScalingHistory = ScalingHistory()) {
        self.spec = spec
        self.history = history
    }

    public mutating func evaluate(currentReplicas: Int32, metrics: [MetricEvaluation], now: Date) -> ScaleDecision {
        history.recordInitialRecommendation(currentReplicas: currentReplicas, now: now)
        var decision = ScaleDecision(
            currentReplicas: currentReplicas, desiredReplicas: currentReplicas, reason: "",
            conditions: [], metricsError: nil)

        if currentReplicas == 0 && spec.minReplicas != 0 {
            // Scaled to zero by hand: the operator has switched autoscaling off.
            decision.conditions.set(AutoscalerCondition(
                .scalingActive, false, reason: "ScalingDisabled",
                message: "scaling is disabled since the replica count of the target is zero"))
            return decision
        }
        if currentReplicas > spec.maxReplicas {
            decision.desiredReplicas = spec.maxReplicas
            decision.reason = "Current number of replicas above Spec.MaxReplicas"
            return decision
        }
        if currentReplicas < spec.minReplicas {
            decision.desiredReplicas = spec.minReplicas
            decision.reason = "Current number of replicas below Spec.MinReplicas"
            return decision
        }

        let combined = CombinedRecommendation(metrics, specReplicas: currentReplicas)
        decision.conditions.set(combined.condition)
        decision.metricsError = combined.error
        guard let metricReplicas = combined.replicas else {
            return decision
        }

        let proposed = max(0, metricReplicas)
        if proposed > currentReplicas {
            decision.reason = "\(combined.metricName ?? "") above target"
        } else if proposed < currentReplicas {
            decision.reason = "All metrics below target"
        }
        decision.desiredReplicas =
            if let behavior = spec.behavior {
                normalizeWithBehavior(behavior, current: currentReplicas, proposed: proposed, now: now, into: &decision)
            } else {
                normalizeWithoutBehavior(current: currentReplicas, proposed: proposed, now: now, into: &decision)
            }
        return decision
    }

    /// Records a rescale that was applied, for the rate-limiting policies.
    public mutating func recordRescale(from previousReplicas: Int32, to newReplicas: Int32, now: Date) {
        history.recordScale(from: previousReplicas, to: newReplicas, behavior: spec.behavior, now: now)
    }

    private mutating func normalizeWithBehavior(
        _ behavior: ScalingBehavior, current: Int32, proposed: Int32, now: Date, into decision: inout ScaleDecision
    ) -> Int32 {
        let scaleUp = behavior.effectiveScaleUp
        let scaleDown = behavior.effectiveScaleDown(
            defaultStabilizationWindowSeconds: spec.downscaleStabilizationWindowSeconds)
        let (stabilized, stabilization) = history.stabilize(
            desiredReplicas: proposed, currentReplicas: current,
            scaleUpWindowSeconds: scaleUp.stabilizationWindowSeconds,
            scaleDownWindowSeconds: scaleDown.stabilizationWindowSeconds, now: now)
        let ableToScale: StabilizationReason = stabilized != proposed ? stabilization : .readyForNewScale
        decision.conditions.set(AutoscalerCondition(
            .ableToScale, true, reason: ableToScale.rawValue, message: ableToScale.message))

        let (limited, reason) = ReplicaCountLimiter.limitWithBehavior(
            currentReplicas: current, desiredReplicas: stabilized,
            minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas,
            scaleUp: scaleUp, scaleDown: scaleDown,
            scaleUpEvents: history.scaleUpEvents, scaleDownEvents: history.scaleDownEvents, now: now)
        decision.conditions.set(AutoscalerCondition(
            .scalingLimited, limited != stabilized, reason: reason.rawValue, message: reason.message))
        return limited
    }

    private mutating func normalizeWithoutBehavior(
        current: Int32, proposed: Int32, now: Date, into decision: inout ScaleDecision
    ) -> Int32 {
        let stabilized = history.stabilizeScaleDown(
            desiredReplicas: proposed, windowSeconds: spec.downscaleStabilizationWindowSeconds, now: now)
        let ableToScale: StabilizationReason = stabilized != proposed ? .scaleDownStabilized : .readyForNewScale
        decision.conditions.set(AutoscalerCondition(
            .ableToScale, true, reason: ableToScale.rawValue, message: ableToScale.message))

        let (limited, reason) = ReplicaCountLimiter.limitWithoutBehavior(
            currentReplicas: current, desiredReplicas: stabilized,
            minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas)
        decision.conditions.set(AutoscalerCondition(
            .scalingLimited, limited != stabilized, reason: reason.rawValue, message: reason.message))
        return limited
    }
}
