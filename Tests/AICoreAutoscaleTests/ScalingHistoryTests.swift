// Ports, from Kubernetes' horizontal_test.go:
// - TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors),
// - TestNormalizeDesiredReplicas (stabilizeRecommendation, the pre-behaviour path, 5-minute window),
// - TestStoreScaleEvents (storeScaleEvent and getReplicasChangePerPeriod).
// Kubernetes compares only the replica counts of stored recommendations, not their timestamps;
// so do these tests. Windows left unset in the Go cases are zero.
// Not ported: none.
import Foundation
import Testing
import AICoreAutoscale

struct StabilizationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var recommendations: [TimestampedRecommendation]
    var currentReplicas: Int32
    var desiredReplicas: Int32
    var expectedReplicas: Int32
    var expectedStored: [Int32]?
    var scaleUpWindow: Int32 = 0
    var scaleDownWindow: Int32 = 0

    var testDescription: String { name }
}

struct StoreEventsCase: Sendable, CustomTestStringConvertible {
    var name: String
    var replicaChange: Int32
    var previous: [ScaleEvent]
    /// Expected (change, outdated) after storing.
    var expected: [(Int32, Bool)]
    var rules: ScalingRules?
    var expectedChangeInLastMinute: Int32

    var testDescription: String { name }
}

private func rec(_ replicas: Int32, _ secondsAgo: TimeInterval) -> TimestampedRecommendation {
    TimestampedRecommendation(replicas: replicas, timestamp: Clock.ago(secondsAgo))
}

private func event(_ change: Int32, _ secondsAgo: TimeInterval) -> ScaleEvent {
    ScaleEvent(replicaChange: change, timestamp: Clock.ago(secondsAgo))
}

@Suite("Scaling history")
struct ScalingHistoryTests {
    static let withBehaviorCases: [StabilizationCase] = [
        .init(name: "empty recommendations for scaling down",
              recommendations: [], currentReplicas: 100, desiredReplicas: 5,
              expectedReplicas: 5, expectedStored: [5]),
        .init(name: "simple scale down stabilization",
              recommendations: [rec(4, 120), rec(5, 60)], currentReplicas: 100, desiredReplicas: 3,
              expectedReplicas: 5, expectedStored: [4, 5, 3], scaleDownWindow: 180),
        .init(name: "simple scale up stabilization",
              recommendations: [rec(4, 120), rec(5, 60)], currentReplicas: 1, desiredReplicas: 7,
              expectedReplicas: 4, expectedStored: [4, 5, 7], scaleUpWindow: 300),
        .init(name: "no scale down stabilization",
              recommendations: [rec(1, 120), rec(2, 60)], currentReplicas: 100, desiredReplicas: 3,
              expectedReplicas: 3, expectedStored: [1, 2, 3], scaleUpWindow: 300),
        .init(name: "no scale up stabilization",
              recommendations: [rec(4, 120), rec(5, 60)], currentReplicas: 1, desiredReplicas: 3,
              expectedReplicas: 3, expectedStored: [4, 5, 3], scaleDownWindow: 300),
        .init(name: "no scale down stabilization, reuse recommendation element",
              recommendations: [rec(10, 600), rec(9, 540)], currentReplicas: 100, desiredReplicas: 3,
              expectedReplicas: 3, expectedStored: [10, 3]),
        .init(name: "no scale up stabilization, reuse recommendation element",
              recommendations: [rec(10, 600), rec(9, 540)], currentReplicas: 1, desiredReplicas: 100,
              expectedReplicas: 100, expectedStored: [10, 100]),
        .init(name: "scale down stabilization, reuse one of obsolete recommendation element",
              recommendations: [rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)], currentReplicas: 100, desiredReplicas: 3,
              expectedReplicas: 5, expectedStored: [10, 4, 5, 3], scaleDownWindow: 180),
        .init(name: "scale up stabilization, reuse one of obsolete recommendation element",
              recommendations: [rec(10, 6000), rec(6, 60), rec(5, 120), rec(9, 180)], currentReplicas: 1, desiredReplicas: 100,
              expectedReplicas: 5, expectedStored: [100, 6, 5, 9], scaleUpWindow: 300),
        .init(name: "scale up and down stabilization, do not scale up when prenormalized rec goes down",
              recommendations: [rec(2, 6000), rec(3, 180)], currentReplicas: 2, desiredReplicas: 1,
              expectedReplicas: 2, expectedStored: nil, scaleUpWindow: 300, scaleDownWindow: 300),
        .init(name: "scale up and down stabilization, do not scale down when prenormalized rec goes up",
              recommendations: [rec(2, 6000), rec(1, 180)], currentReplicas: 2, desiredReplicas: 3,
              expectedReplicas: 2, expectedStored: nil, scaleUpWindow: 300, scaleDownWindow: 300),
    ]

    @Test("TestNormalizeDesiredReplicasWithBehavior", arguments: withBehaviorCases)
    func stabilizeWithBehavior(_ testCase: StabilizationCase) {
        var history = ScalingHistory(recommendations: testCase.recommendations)
        let (replicas, _) = history.stabilize(
            desiredReplicas: testCase.desiredReplicas, currentReplicas: testCase.currentReplicas,
            scaleUpWindowSeconds: testCase.scaleUpWindow, scaleDownWindowSeconds: testCase.scaleDownWindow,
            now: Clock.now)
        #expect(replicas == testCase.expectedReplicas)
        if let expectedStored = testCase.expectedStored {
            #expect(history.recommendations.map(\.replicas) == expectedStored)
        }
    }

    struct LegacyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var recommendations: [TimestampedRecommendation]
        var desiredReplicas: Int32
        var expectedReplicas: Int32
        var expectedLogLength: Int
        var testDescription: String { name }
    }

    static let legacyCases: [LegacyCase] = [
        .init(name: "empty log", recommendations: [], desiredReplicas: 5, expectedReplicas: 5, expectedLogLength: 1),
        .init(name: "stabilize", recommendations: [rec(4, 120), rec(5, 60)],
              desiredReplicas: 3, expectedReplicas: 5, expectedLogLength: 3),
        .init(name: "no stabilize", recommendations: [rec(1, 120), rec(2, 60)],
              desiredReplicas: 3, expectedReplicas: 3, expectedLogLength: 3),
        .init(name: "no stabilize - old recommendations", recommendations: [rec(10, 600), rec(9, 540)],
              desiredReplicas: 3, expectedReplicas: 3, expectedLogLength: 2),
        .init(name: "stabilize - old recommendations", recommendations: [rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)],
              desiredReplicas: 3, expectedReplicas: 5, expectedLogLength: 4),
    ]

    @Test("TestNormalizeDesiredReplicas (no behaviour spec, 5-minute downscale window)", arguments: legacyCases)
    func stabilizeWithoutBehavior(_ testCase: LegacyCase) {
        var history = ScalingHistory(recommendations: testCase.recommendations)
        let replicas = history.stabilizeScaleDown(desiredReplicas: testCase.desiredReplicas, windowSeconds: 300, now: Clock.now)
        #expect(replicas == testCase.expectedReplicas)
        #expect(history.recommendations.count == testCase.expectedLogLength)
    }

    static let storeEventsCases: [StoreEventsCase] = [
        .init(name: "empty entries with default behavior", replicaChange: 5, previous: [], expected: [],
              rules: nil, expectedChangeInLastMinute: 0),
        .init(name: "empty entries with two-policy-behavior", replicaChange: 5, previous: [], expected: [(5, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 60, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              expectedChangeInLastMinute: 0),
        .init(name: "one outdated entry to be kept untouched without behavior", replicaChange: 5,
              previous: [event(7, 61)], expected: [(7, false)], rules: nil, expectedChangeInLastMinute: 0),
        .init(name: "one outdated entry to be replaced with behavior", replicaChange: 5,
              previous: [event(7, 61)], expected: [(5, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 60, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              expectedChangeInLastMinute: 0),
        .init(name: "one actual entry to be not touched with behavior", replicaChange: 5,
              previous: [event(7, 58)], expected: [(7, false), (5, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 60, percent: 100, percentPeriod: 60, stabilizationWindow: 0),
              expectedChangeInLastMinute: 7),
        .init(name: "two entries, one of them to be replaced", replicaChange: 5,
              previous: [event(7, 61), event(6, 59)], expected: [(5, false), (6, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 60, stabilizationWindow: 0),
              expectedChangeInLastMinute: 6),
        .init(name: "replace one entry, use policies with different periods", replicaChange: 5,
              previous: [event(8, 29), event(6, 59), event(7, 61), event(9, 61)],
              expected: [(8, false), (6, false), (7, true), (5, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 60, percent: 100, percentPeriod: 30, stabilizationWindow: 0),
              expectedChangeInLastMinute: 14),
        .init(name: "two entries, both actual", replicaChange: 5,
              previous: [event(7, 58), event(6, 59)], expected: [(7, false), (6, false), (5, false)],
              rules: scalingRules(replicas: 10, replicasPeriod: 120, percent: 100, percentPeriod: 30, stabilizationWindow: 0),
              expectedChangeInLastMinute: 13),
    ]

    @Test("TestStoreScaleEvents, scaling up", arguments: storeEventsCases)
    func storeScaleUpEvents(_ testCase: StoreEventsCase) {
        var history = ScalingHistory(scaleUpEvents: testCase.previous)
        #expect(ScaleRateLimit.replicaChange(withinLast: 60, of: history.scaleUpEvents, now: Clock.now) == testCase.expectedChangeInLastMinute)
        history.recordScale(
            from: 10, to: 10 + testCase.replicaChange,
            behavior: testCase.rules.map { ScalingBehavior(scaleUp: $0) }, now: Clock.now)
        #expect(history.scaleUpEvents.map(\.replicaChange) == testCase.expected.map(\.0))
        #expect(history.scaleUpEvents.map(\.isOutdated) == testCase.expected.map(\.1))
        #expect(history.scaleDownEvents.isEmpty)
    }

    @Test("TestStoreScaleEvents, scaling down", arguments: storeEventsCases)
    func storeScaleDownEvents(_ testCase: StoreEventsCase) {
        var history = ScalingHistory(scaleDownEvents: testCase.previous)
        #expect(ScaleRateLimit.replicaChange(withinLast: 60, of: history.scaleDownEvents, now: Clock.now) == testCase.expectedChangeInLastMinute)
        history.recordScale(
            from: 10, to: 10 - testCase.replicaChange,
            behavior: testCase.rules.map { ScalingBehavior(scaleDown: $0) }, now: Clock.now)
        #expect(history.scaleDownEvents.map(\.replicaChange) == testCase.expected.map(\.0))
        #expect(history.scaleDownEvents.map(\.isOutdated) == testCase.expected.map(\.1))
        #expect(history.scaleUpEvents.isEmpty)
    }
}
