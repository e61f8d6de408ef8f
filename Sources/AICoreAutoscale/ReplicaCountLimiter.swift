import Foundation

/// Clips a stabilised recommendation to the replica bounds and the allowed rate of change.
public enum ReplicaCountLimiter {
    /// With a behaviour spec (Kubernetes `convertDesiredReplicasWithBehaviorRate`): scale-ups are
    /// capped by the scale-up policies and `maxReplicas`, scale-downs floored by the scale-down
    /// policies and `minReplicas`. An unchanged count is returned as is.
    public static func limitWithBehavior(
        currentReplicas: Int32,
        desiredReplicas: Int32,
        minReplicas: Int32,
        maxReplicas: Int32,
        scaleUp: EffectiveScalingRules,
        scaleDown: EffectiveScalingRules,
        scaleUpEvents: [ScaleEvent],
        scaleDownEvents: [ScaleEvent],
        now: Date
    ) -> (replicas: Int32, reason: LimitReason) {
        if desiredReplicas > currentReplicas {
            // A limit below the current count means recent scale-ups used the allowance: hold.
            let rateLimit = max(
                currentReplicas,
                ScaleRateLimit.scaleUpLimit(
                    currentReplicas: currentReplicas, scaleUpEvents: scaleUpEvents,
                    scaleDownEvents: scaleDownEvents, rules: scaleUp, now: now))
            let (ceiling, reason): (Int32, LimitReason) =
                maxReplicas > rateLimit ? (rateLimit, .scaleUpLimit) : (maxReplicas, .tooManyReplicas)
            if desiredReplicas > ceiling { return (ceiling, reason) }
        } else if desiredReplicas < currentReplicas {
            let rateLimit = min(
                currentReplicas,
                ScaleRateLimit.scaleDownLimit(
                    currentReplicas: currentReplicas, scaleUpEvents: scaleUpEvents,
                    scaleDownEvents: scaleDownEvents, rules: scaleDown, now: now))
            let (floor, reason): (Int32, LimitReason) =
                minReplicas < rateLimit ? (rateLimit, .scaleDownLimit) : (minReplicas, .tooFewReplicas)
            if desiredReplicas < floor { return (floor, reason) }
        }
        return (desiredReplicas, .desiredWithinRange)
    }

    /// Without a behaviour spec (Kubernetes `convertDesiredReplicasWithRules`): bounds plus the
    /// legacy cap of double the current count or 4.
    public static func limitWithoutBehavior(
        currentReplicas: Int32,
        desiredReplicas: Int32,
        minReplicas: Int32,
        maxReplicas: Int32
    ) -> (replicas: Int32, reason: LimitReason) {
        let scaleUpLimit = ScaleRateLimit.legacyScaleUpLimit(currentReplicas: currentReplicas)
        let (ceiling, ceilingReason): (Int32, LimitReason) =
            maxReplicas > scaleUpLimit ? (scaleUpLimit, .scaleUpLimit) : (maxReplicas, .tooManyReplicas)
        if desiredReplicas < minReplicas { return (minReplicas, .tooFewReplicas) }
        if desiredReplicas > ceiling { return (ceiling, ceilingReason) }
        return (desiredReplicas, .desiredWithinRange)
    }
}
