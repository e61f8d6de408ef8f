import Foundation
import AICoreAutoscale

/// Kubernetes' `generateScalingRules`: select Max, a replicas policy and a percent policy, each
/// only when its value is non-zero. With neither, the policies are left unset and so defaulted.
func scalingRules(
    replicas: Int32 = 0, replicasPeriod: Int32 = 0,
    percent: Int32 = 0, percentPeriod: Int32 = 0,
    stabilizationWindow: Int32
) -> ScalingRules {
    var policies: [ScalingPolicy] = []
    if replicas != 0 { policies.append(.replicas(replicas, perSeconds: replicasPeriod)) }
    if percent != 0 { policies.append(.percent(percent, perSeconds: percentPeriod)) }
    return ScalingRules(
        stabilizationWindowSeconds: stabilizationWindow, selectPolicy: .max,
        policies: policies.isEmpty ? nil : policies)
}

/// Kubernetes' `generateEventsUniformDistribution`: spreads the events over the last
/// `periodSeconds`, each in the middle of its own equal segment, oldest first; e.g. three events
/// over 120 s land 100 s, 60 s and 20 s ago.
func uniformEvents(_ changes: [Int32], over periodSeconds: Int) -> [ScaleEvent] {
    let segment = Double(periodSeconds) / Double(changes.count)
    return changes.enumerated().map { index, change in
        // Go converts the float offset to a whole Duration before scaling it to seconds.
        let secondsAgo = (Double(periodSeconds) - segment * Double(index + 1) + segment / 2).rounded(.towardZero)
        return ScaleEvent(replicaChange: change, timestamp: Clock.ago(secondsAgo))
    }
}
