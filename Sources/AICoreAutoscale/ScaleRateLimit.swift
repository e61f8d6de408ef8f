import Foundation

/// How far the replica count may move now, given the policies and recent scale events
/// (Kubernetes `calculateScaleUpLimitWithScalingRules` and `calculateScaleDownLimitWithBehaviors`).
public enum ScaleRateLimit {
    /// Sum of the changes made within the last `periodSeconds` before `now`.
    public static func replicaChange(withinLast periodSeconds: Int32, of events: [ScaleEvent], now: Date) -> Int32 {
        let cutoff = now.addingTimeInterval(-TimeInterval(periodSeconds))
        var change: Int32 = 0
        for event in events where event.timestamp > cutoff {
            change &+= event.replicaChange
        }
        return change
    }

    /// Highest replica count the scale-up policies allow now.
    ///
    /// Each policy measures from the count at the start of its period (undoing changes made since),
    /// so a burst of scale-ups uses up the allowance. The result may be below `currentReplicas`;
    /// callers treat that as "no further scale-up for now".
    public static func scaleUpLimit(
        currentReplicas: Int32,
        scaleUpEvents: [ScaleEvent],
        scaleDownEvents: [ScaleEvent],
        rules: EffectiveScalingRules,
        now: Date
    ) -> Int32 {
        limit(.up, currentReplicas, scaleUpEvents, scaleDownEvents, rules, now)
    }

    /// Lowest replica count the scale-down policies allow now. The result may be above
    /// `currentReplicas`; callers treat that as "no further scale-down for now".
    public static func scaleDownLimit(
        currentReplicas: Int32,
        scaleUpEvents: [ScaleEvent],
        scaleDownEvents: [ScaleEvent],
        rules: EffectiveScalingRules,
        now: Date
    ) -> Int32 {
        limit(.down, currentReplicas, scaleUpEvents, scaleDownEvents, rules, now)
    }

    private enum Direction { case up, down }

    private static func limit(
        _ direction: Direction, _ currentReplicas: Int32, _ scaleUpEvents: [ScaleEvent], _ scaleDownEvents: [ScaleEvent],
        _ rules: EffectiveScalingRules, _ now: Date
    ) -> Int32 {
        if rules.selectPolicy == .disabled { return currentReplicas }
        // Max takes the policy that allows the largest change, Min the smallest: upward the
        // highest or the lowest ceiling, downward the lowest or the highest floor.
        let highest = (rules.selectPolicy == .max) == (direction == .up)
        var result: Int32 = highest ? .min : .max
        for policy in rules.policies {
            let start = periodStartReplicas(currentReplicas, policy, scaleUpEvents, scaleDownEvents, now)
            let proposed: Int32
            switch (direction, policy.kind) {
            case (.up, .replicas):
                proposed = start &+ policy.value
            case (.up, .percent):
                // Round up, or a small percentage of a small count would never add a replica.
                proposed = Int32(saturatingCeil: Double(start) * (1 + Double(policy.value) / 100))
            case (.down, .replicas):
                proposed = start &- policy.value
            case (.down, .percent):
                proposed = Int32(saturatingTruncating: Double(start) * (1 - Double(policy.value) / 100))
            }
            result = highest ? Swift.max(result, proposed) : Swift.min(result, proposed)
        }
        return result
    }

    /// Without a behaviour spec, Kubernetes caps a scale-up at double the current count or 4,
    /// whichever is more, to survive bogus usage spikes.
    public static func legacyScaleUpLimit(currentReplicas: Int32) -> Int32 {
        Int32(saturatingTruncating: Swift.max(2.0 * Double(currentReplicas), 4.0))
    }

    private static func periodStartReplicas(
        _ currentReplicas: Int32, _ policy: ScalingPolicy,
        _ scaleUpEvents: [ScaleEvent], _ scaleDownEvents: [ScaleEvent], _ now: Date
    ) -> Int32 {
        let added = replicaChange(withinLast: policy.periodSeconds, of: scaleUpEvents, now: now)
        let removed = replicaChange(withinLast: policy.periodSeconds, of: scaleDownEvents, now: now)
        return currentReplicas &- added &+ removed
    }
}
