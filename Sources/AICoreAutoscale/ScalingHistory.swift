import Foundation

/// What the autoscaler remembers between evaluations of one scale target: recent unstabilised
/// recommendations and recent scale events per direction.
///
/// A value type: the owner (an actor in the node) keeps one per target and passes `now` in, so
/// every decision is reproducible.
public struct ScalingHistory: Sendable, Hashable {
    public var recommendations: [TimestampedRecommendation]
    public var scaleUpEvents: [ScaleEvent]
    public var scaleDownEvents: [ScaleEvent]

    public init(
        recommendations: [TimestampedRecommendation] = [],
        scaleUpEvents: [ScaleEvent] = [],
        scaleDownEvents: [ScaleEvent] = []
    ) {
        self.recommendations = recommendations
        self.scaleUpEvents = scaleUpEvents
        self.scaleDownEvents = scaleDownEvents
    }

    /// Seeds the window with the current count the first time a target is seen, so a freshly
    /// adopted target is not scaled down before a full window of evidence exists.
    public mutating func recordInitialRecommendation(currentReplicas: Int32, now: Date) {
        if recommendations.isEmpty {
            recommendations = [TimestampedRecommendation(replicas: currentReplicas, timestamp: now)]
        }
    }

    /// Clamps `desiredReplicas` between the lowest recommendation of the scale-up window and the
    /// highest of the scale-down window, starting from `currentReplicas`, then records
    /// `desiredReplicas` (Kubernetes `stabilizeRecommendationWithBehaviors`).
    ///
    /// - Returns: the stabilised count, and the reason to report if it differs from `desiredReplicas`.
    public mutating func stabilize(
        desiredReplicas: Int32,
        currentReplicas: Int32,
        scaleUpWindowSeconds: Int32,
        scaleDownWindowSeconds: Int32,
        now: Date
    ) -> (replicas: Int32, reason: StabilizationReason) {
        let upCutoff = now.addingTimeInterval(-TimeInterval(scaleUpWindowSeconds))
        let downCutoff = now.addingTimeInterval(-TimeInterval(scaleDownWindowSeconds))
        var upFloor = desiredReplicas
        var downCeiling = desiredReplicas
        var reusableIndex: Int?
        for (index, past) in recommendations.enumerated() {
            if past.timestamp > upCutoff { upFloor = min(past.replicas, upFloor) }
            if past.timestamp > downCutoff { downCeiling = max(past.replicas, downCeiling) }
            if past.timestamp < upCutoff && past.timestamp < downCutoff { reusableIndex = index }
        }

        var stabilized = currentReplicas
        if stabilized < upFloor { stabilized = upFloor }
        if stabilized > downCeiling { stabilized = downCeiling }

        record(TimestampedRecommendation(replicas: desiredReplicas, timestamp: now), replacing: reusableIndex)
        let reason: StabilizationReason = desiredReplicas >= currentReplicas ? .scaleUpStabilized : .scaleDownStabilized
        return (stabilized, reason)
    }

    /// Without a behaviour spec: the highest recommendation within the downscale window, then
    /// records `desiredReplicas` (Kubernetes `stabilizeRecommendation`).
    public mutating func stabilizeScaleDown(desiredReplicas: Int32, windowSeconds: Int32, now: Date) -> Int32 {
        let cutoff = now.addingTimeInterval(-TimeInterval(windowSeconds))
        var highest = desiredReplicas
        var reusableIndex: Int?
        for (index, past) in recommendations.enumerated() {
            if past.timestamp < cutoff {
                reusableIndex = index
            } else if past.replicas > highest {
                highest = past.replicas
            }
        }
        record(TimestampedRecommendation(replicas: desiredReplicas, timestamp: now), replacing: reusableIndex)
        return highest
    }

    /// Remembers a scale from `previousReplicas` to `newReplicas`, reusing the slot of an event
    /// older than every policy period (Kubernetes `storeScaleEvent`). Nothing is stored without a
    /// behaviour spec, since only behaviour policies read events.
    public mutating func recordScale(
        from previousReplicas: Int32,
        to newReplicas: Int32,
        behavior: ScalingBehavior?,
        now: Date
    ) {
        guard let behavior else { return }
        if newReplicas > previousReplicas {
            Self.store(
                ScaleEvent(replicaChange: newReplicas - previousReplicas, timestamp: now),
                in: &scaleUpEvents, longestPeriodSeconds: behavior.effectiveScaleUp.longestPolicyPeriodSeconds, now: now)
        } else {
            Self.store(
                ScaleEvent(replicaChange: previousReplicas - newReplicas, timestamp: now),
                in: &scaleDownEvents, longestPeriodSeconds: behavior.effectiveScaleDown().longestPolicyPeriodSeconds,
                now: now)
        }
    }

    private mutating func record(_ recommendation: TimestampedRecommendation, replacing index: Int?) {
        if let index {
            recommendations[index] = recommendation
        } else {
            recommendations.append(recommendation)
        }
    }

    private static func store(_ event: ScaleEvent, in events: inout [ScaleEvent], longestPeriodSeconds: Int32, now: Date) {
        let cutoff = now.addingTimeInterval(-TimeInterval(longestPeriodSeconds))
        var reusableIndex: Int?
        for index in events.indices {
            if events[index].timestamp < cutoff { events[index].isOutdated = true }
            if events[index].isOutdated { reusableIndex = index }
        }
        if let reusableIndex {
            events[reusableIndex] = event
        } else {
            events.append(event)
        }
    }
}
