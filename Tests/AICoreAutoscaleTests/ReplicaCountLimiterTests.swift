// Ports TestScalingWithRules (convertDesiredReplicasWithBehaviorRate) and
// TestConvertDesiredReplicasWithRules from Kubernetes' horizontal_test.go. Rules left nil take
// Kubernetes' defaults, as GenerateHPAScaleUpRules / GenerateHPAScaleDownRules do in the Go test.
//
// Note: Kubernetes marks "scaleDownLimit is the limit because scaleDownLimit > minReplicas with
// user defined policies" with `testThis: true`, which makes its runner skip the case. It is ported
// and runs here; its expected values hold.
// Not ported: none.
import Foundation
import Testing
import AICoreAutoscale

struct RateCase: Sendable, CustomTestStringConvertible {
    var name: String
    var scaleUpEvents: [ScaleEvent] = []
    var scaleDownEvents: [ScaleEvent] = []
    var minReplicas: Int32
    var maxReplicas: Int32
    var scaleUpRules: ScalingRules? = nil
    var scaleDownRules: ScalingRules? = nil
    var currentReplicas: Int32
    var desiredReplicas: Int32
    var expectedReplicas: Int32
    var expectedReason: String

    var testDescription: String { name }
}

@Suite("Replica count limits")
struct ReplicaCountLimiterTests {
    static let scalingWithRulesCases: [RateCase] = [
        .init(name: "prenormalized desired replicas within range",
              minReplicas: 3, maxReplicas: 8, currentReplicas: 5, desiredReplicas: 7,
              expectedReplicas: 7, expectedReason: "DesiredWithinRange"),
        .init(name: "prenormalized desired replicas < minReplicas",
              minReplicas: 2, maxReplicas: 8, currentReplicas: 3, desiredReplicas: 1,
              expectedReplicas: 2, expectedReason: "TooFewReplicas"),
        .init(name: "prenormalized desired replicas within range when minReplicas is 0",
              minReplicas: 0, maxReplicas: 10, currentReplicas: 1, desiredReplicas: 0,
              expectedReplicas: 0, expectedReason: "DesiredWithinRange"),
        .init(name: "maxReplicas is the limit because maxReplicas < scaleUpLimit",
              minReplicas: 1, maxReplicas: 10, currentReplicas: 20, desiredReplicas: 1000,
              expectedReplicas: 10, expectedReason: "TooManyReplicas"),
        .init(name: "desired replica count is more than the maximum replica count",
              minReplicas: 100, maxReplicas: 150, currentReplicas: 100, desiredReplicas: 1000,
              expectedReplicas: 150, expectedReason: "TooManyReplicas"),
        .init(name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
              minReplicas: 1, maxReplicas: 2000,
              scaleUpRules: scalingRules(percent: 1, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 3, desiredReplicas: 1000, expectedReplicas: 4, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
              minReplicas: 3, maxReplicas: 2000,
              scaleDownRules: scalingRules(replicas: 20, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 1000, desiredReplicas: 3, expectedReplicas: 980, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleUp with default behavior",
              minReplicas: 1, maxReplicas: 1000, currentReplicas: 10, desiredReplicas: 50,
              expectedReplicas: 20, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with pods policy larger than percent policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 100, replicasPeriod: 60, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 500, expectedReplicas: 110, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with percent policy larger than pods policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 2, replicasPeriod: 60, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 500, expectedReplicas: 20, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with spec MaxReplicas limitation with large pod policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 100, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 50, expectedReplicas: 50, expectedReason: "DesiredWithinRange"),
        .init(name: "scaleUp with spec MaxReplicas limitation with large percent policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 10000, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 50, expectedReplicas: 50, expectedReason: "DesiredWithinRange"),
        .init(name: "scaleUp with pod policy limitation",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 30, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 50, expectedReplicas: 40, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with percent policy limitation",
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(percent: 200, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 50, expectedReplicas: 30, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleDown with percent policy larger than pod policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 20, replicasPeriod: 60, percent: 1, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 2, expectedReplicas: 80, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with pod policy larger than percent policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 2, replicasPeriod: 60, percent: 1, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 2, expectedReplicas: 98, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with spec MinReplicas=nil limitation with large pod policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 100, replicasPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 0, expectedReplicas: 1, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with spec MinReplicas limitation with large pod policy",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 100, replicasPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 0, expectedReplicas: 1, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with spec MinReplicas limitation with large percent policy",
              minReplicas: 5, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 100, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 2, expectedReplicas: 5, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with pod policy limitation",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 5, replicasPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 2, expectedReplicas: 5, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with percent policy limitation",
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 50, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
        .init(name: "scaleUp with spec MaxReplicas limitation with large pod policy and events",
              scaleUpEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 200,
              scaleUpRules: scalingRules(replicas: 300, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 500, expectedReplicas: 200, expectedReason: "TooManyReplicas"),
        .init(name: "scaleUp with spec MaxReplicas limitation with large percent policy and events",
              scaleUpEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 200,
              scaleUpRules: scalingRules(percent: 10000, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 500, expectedReplicas: 200, expectedReason: "TooManyReplicas"),
        .init(name: "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
              scaleUpEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 5, replicasPeriod: 120, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 500, expectedReplicas: 100, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with pod policy and previous scale up events",
              scaleUpEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 150, replicasPeriod: 120, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 500, expectedReplicas: 235, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with percent policy and previous scale up events",
              scaleUpEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(percent: 200, percentPeriod: 120, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 500, expectedReplicas: 255, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleUp with percent policy and previous scale up and down events",
              scaleUpEvents: uniformEvents([4], over: 120), scaleDownEvents: uniformEvents([2], over: 120),
              minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(percent: 300, percentPeriod: 300, stabilizationWindow: 0),
              currentReplicas: 6, desiredReplicas: 24, expectedReplicas: 16, expectedReason: "ScaleUpLimit"),
        .init(name: "scaleDown with default policy and previous events",
              scaleDownEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              currentReplicas: 10, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
        .init(name: "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
              scaleDownEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 115, replicasPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 0, expectedReplicas: 1, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
              scaleDownEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 5, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 130, replicasPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 0, expectedReplicas: 5, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with spec MinReplicas limitation with large percent policy and previous events",
              scaleDownEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 5, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 100, percentPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 2, expectedReplicas: 5, expectedReason: "TooFewReplicas"),
        .init(name: "scaleDown with pod policy limitation and previous events",
              scaleDownEvents: uniformEvents([1, 5, 9], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 5, replicasPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 2, expectedReplicas: 100, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with percent policy limitation and previous events",
              scaleDownEvents: uniformEvents([2, 4, 6], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 50, percentPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 0, expectedReplicas: 56, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with percent policy and previous scale up and down events",
              scaleUpEvents: uniformEvents([2], over: 120), scaleDownEvents: uniformEvents([4], over: 120),
              minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 50, percentPeriod: 180, stabilizationWindow: 0),
              currentReplicas: 10, desiredReplicas: 1, expectedReplicas: 6, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with previous events preventing further scale down",
              scaleDownEvents: uniformEvents([10, 10, 10], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 10, percentPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 0, expectedReplicas: 100, expectedReason: "ScaleDownLimit"),
        .init(name: "scaleDown with with previous events still allowing more scale down",
              scaleDownEvents: uniformEvents([10, 10, 10], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(percent: 1000, percentPeriod: 120, stabilizationWindow: 300),
              currentReplicas: 10, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
        .init(name: "check 'outdated' flag for events for one behavior for up",
              scaleUpEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 1000, replicasPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 200, expectedReplicas: 200, expectedReason: "DesiredWithinRange"),
        .init(name: "check that events were not marked 'outdated' for two different policies in the behavior for up",
              scaleUpEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 1000, replicasPeriod: 120, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 200, expectedReplicas: 200, expectedReason: "DesiredWithinRange"),
        .init(name: "check that events were marked 'outdated' for two different policies in the behavior for up",
              scaleUpEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleUpRules: scalingRules(replicas: 1000, replicasPeriod: 30, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              currentReplicas: 100, desiredReplicas: 200, expectedReplicas: 200, expectedReason: "DesiredWithinRange"),
        .init(name: "check 'outdated' flag for events for one behavior for down",
              scaleDownEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 1000, replicasPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
        .init(name: "check that events were not marked 'outdated' for two different policies in the behavior for down",
              scaleDownEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 1000, replicasPeriod: 120, percent: 100, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
        .init(name: "check that events were marked 'outdated' for two different policies in the behavior for down",
              scaleDownEvents: uniformEvents([8, 12, 9, 11], over: 120), minReplicas: 1, maxReplicas: 1000,
              scaleDownRules: scalingRules(replicas: 1000, replicasPeriod: 30, percent: 100, percentPeriod: 60, stabilizationWindow: 300),
              currentReplicas: 100, desiredReplicas: 5, expectedReplicas: 5, expectedReason: "DesiredWithinRange"),
    ]

    @Test("TestScalingWithRules", arguments: scalingWithRulesCases)
    func scalingWithRules(_ testCase: RateCase) {
        let behavior = ScalingBehavior(scaleUp: testCase.scaleUpRules, scaleDown: testCase.scaleDownRules)
        let (replicas, reason) = ReplicaCountLimiter.limitWithBehavior(
            currentReplicas: testCase.currentReplicas,
            desiredReplicas: testCase.desiredReplicas,
            minReplicas: testCase.minReplicas,
            maxReplicas: testCase.maxReplicas,
            scaleUp: behavior.effectiveScaleUp,
            scaleDown: behavior.effectiveScaleDown(),
            scaleUpEvents: testCase.scaleUpEvents,
            scaleDownEvents: testCase.scaleDownEvents,
            now: Clock.now)
        #expect(replicas == testCase.expectedReplicas)
        #expect(reason.rawValue == testCase.expectedReason)
    }

    struct RulesCase: Sendable, CustomTestStringConvertible {
        var name: String
        var currentReplicas: Int32
        var desiredReplicas: Int32
        var minReplicas: Int32
        var maxReplicas: Int32
        var expectedReplicas: Int32
        var expectedReason: LimitReason
        var testDescription: String { name }
    }

    static let convertWithRulesCases: [RulesCase] = [
        .init(name: "prenormalized desired replicas within range",
              currentReplicas: 5, desiredReplicas: 7, minReplicas: 3, maxReplicas: 8, expectedReplicas: 7, expectedReason: .desiredWithinRange),
        .init(name: "prenormalized desired replicas < minReplicas",
              currentReplicas: 3, desiredReplicas: 1, minReplicas: 2, maxReplicas: 8, expectedReplicas: 2, expectedReason: .tooFewReplicas),
        .init(name: "prenormalized desired zeroed replicas within range",
              currentReplicas: 1, desiredReplicas: 0, minReplicas: 0, maxReplicas: 10, expectedReplicas: 0, expectedReason: .desiredWithinRange),
        .init(name: "maxReplicas is the limit because maxReplicas < scaleUpLimit",
              currentReplicas: 20, desiredReplicas: 1000, minReplicas: 1, maxReplicas: 10, expectedReplicas: 10, expectedReason: .tooManyReplicas),
        .init(name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas",
              currentReplicas: 3, desiredReplicas: 1000, minReplicas: 1, maxReplicas: 2000,
              expectedReplicas: ScaleRateLimit.legacyScaleUpLimit(currentReplicas: 3), expectedReason: .scaleUpLimit),
    ]

    @Test("TestConvertDesiredReplicasWithRules (no behaviour spec)", arguments: convertWithRulesCases)
    func convertWithRules(_ testCase: RulesCase) {
        let (replicas, reason) = ReplicaCountLimiter.limitWithoutBehavior(
            currentReplicas: testCase.currentReplicas, desiredReplicas: testCase.desiredReplicas,
            minReplicas: testCase.minReplicas, maxReplicas: testCase.maxReplicas)
        #expect(replicas == testCase.expectedReplicas)
        #expect(reason == testCase.expectedReason)
    }
}
