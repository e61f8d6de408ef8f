// Ports TestCalculateScaleUpLimitWithScalingRules and TestCalculateScaleDownLimitWithBehaviors
// from Kubernetes' horizontal_test.go (one case each), plus specification cases for the period
// arithmetic they rely on.
// Not ported: none.
import Foundation
import Testing
import AICoreAutoscale

@Suite("Scale rate limits")
struct ScaleRateLimitTests {
    static let minChangeRules = EffectiveScalingRules(
        stabilizationWindowSeconds: 300, selectPolicy: .min,
        policies: [.replicas(2, perSeconds: 60), .percent(50, perSeconds: 60)])

    @Test("TestCalculateScaleUpLimitWithScalingRules: Min picks the smaller of +2 and +50 % from 1")
    func scaleUpLimitWithMinPolicy() {
        let limit = ScaleRateLimit.scaleUpLimit(
            currentReplicas: 1, scaleUpEvents: [], scaleDownEvents: [], rules: Self.minChangeRules, now: Clock.now)
        #expect(limit == 2)
    }

    @Test("TestCalculateScaleDownLimitWithBehaviors: Min picks the smaller of -2 and -50 % from 5")
    func scaleDownLimitWithMinPolicy() {
        let limit = ScaleRateLimit.scaleDownLimit(
            currentReplicas: 5, scaleUpEvents: [], scaleDownEvents: [], rules: Self.minChangeRules, now: Clock.now)
        #expect(limit == 3)
    }

    @Test("a disabled direction allows no change at all")
    func disabledDirection() {
        let rules = EffectiveScalingRules(stabilizationWindowSeconds: 0, selectPolicy: .disabled, policies: [.percent(100, perSeconds: 15)])
        #expect(ScaleRateLimit.scaleUpLimit(currentReplicas: 7, scaleUpEvents: [], scaleDownEvents: [], rules: rules, now: Clock.now) == 7)
        #expect(ScaleRateLimit.scaleDownLimit(currentReplicas: 7, scaleUpEvents: [], scaleDownEvents: [], rules: rules, now: Clock.now) == 7)
    }

    @Test("only events strictly inside the period count")
    func replicaChangeWithinPeriod() {
        let events = [
            ScaleEvent(replicaChange: 5, timestamp: Clock.ago(61)),
            ScaleEvent(replicaChange: 3, timestamp: Clock.ago(60)),
            ScaleEvent(replicaChange: 2, timestamp: Clock.ago(59)),
        ]
        #expect(ScaleRateLimit.replicaChange(withinLast: 60, of: events, now: Clock.now) == 2)
    }
}
