// Ports the Object and External metric cases of Kubernetes' replica_calculator_test.go
// (GetObjectMetricReplicas, GetObjectPerPodMetricReplicas, GetExternalMetricReplicas,
// GetExternalPerPodMetricReplicas). The object reference and label selector of each Go case only
// route the fake client and carry no numbers, so they are dropped; the observed value, target,
// readiness and expected outputs are Kubernetes' own.
// Not ported: none of the Object/External cases.
import Foundation
import Testing
import AICoreAutoscale

struct WholeWorkloadCase: Sendable, CustomTestStringConvertible {
    enum Target: Sendable {
        case objectValue(Int64)
        case objectAverageValue(Int64)
        case externalValue(Int64)
        case externalAverageValue(Int64)
    }

    var name: String
    var currentReplicas: Int32
    var readiness: [ReadinessStatus]? = nil
    var levels: [Int64]
    var target: Target
    var tolerances: Tolerances = .default
    var expectedReplicas: Int32
    var expectedValue: Int64

    var testDescription: String { name }
}

@Suite("Replica calculator: object and external metrics")
struct ReplicaCalculatorObjectAndExternalTests {
    static let cases: [WholeWorkloadCase] = [
        .init(name: "TestReplicaCalcScaleUpOverflow", currentReplicas: 3, levels: [.max],
              target: .objectValue(1), expectedReplicas: .max, expectedValue: .max),
        .init(name: "TestExternalPerPodMetricReplicaOverflow", currentReplicas: 1, levels: [.max],
              target: .externalAverageValue(1), expectedReplicas: .max, expectedValue: .max),
        .init(name: "TestExternalPerPodMetricUsageOverflow", currentReplicas: 1, levels: [.max],
              target: .externalAverageValue(.max), expectedReplicas: 1, expectedValue: .max),
        .init(name: "TestReplicaCalcScaleUpCMObject", currentReplicas: 3, levels: [20000],
              target: .objectValue(15000), expectedReplicas: 4, expectedValue: 20000),
        .init(name: "TestReplicaCalcScaleUpCMPerPodObject", currentReplicas: 3, levels: [20000],
              target: .objectAverageValue(5000), expectedReplicas: 4, expectedValue: 6667),
        .init(name: "TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods", currentReplicas: 3,
              readiness: [.notReady, .ready, .notReady], levels: [50000],
              target: .objectValue(10000), expectedReplicas: 5, expectedValue: 50000),
        .init(name: "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods", currentReplicas: 3,
              readiness: [.notReady, .ready, .notReady], levels: [8600],
              target: .externalValue(4400), expectedReplicas: 2, expectedValue: 8600),
        .init(name: "TestReplicaCalcScaleUpPerPodCMExternal", currentReplicas: 3, levels: [8600],
              target: .externalAverageValue(2150), expectedReplicas: 4, expectedValue: 2867),
        .init(name: "TestReplicaCalcScaleDownPerPodCMObject", currentReplicas: 5, levels: [6000],
              target: .objectAverageValue(2000), expectedReplicas: 3, expectedValue: 1200),
        .init(name: "TestReplicaCalcScaleDownCMObject", currentReplicas: 5, levels: [12000],
              target: .objectValue(20000), expectedReplicas: 3, expectedValue: 12000),
        .init(name: "TestReplicaCalcScaleDownCMExternal", currentReplicas: 5, levels: [8600],
              target: .externalValue(14334), expectedReplicas: 3, expectedValue: 8600),
        .init(name: "TestReplicaCalcScaleDownPerPodCMExternal", currentReplicas: 5, levels: [8600],
              target: .externalAverageValue(2867), expectedReplicas: 3, expectedValue: 1720),
        .init(name: "TestReplicaCalcToleranceCMObject", currentReplicas: 3, levels: [20666],
              target: .objectValue(20000), expectedReplicas: 3, expectedValue: 20666),
        .init(name: "TestReplicaCalcTolerancePerPodCMObject", currentReplicas: 4, levels: [20166],
              target: .objectAverageValue(5000), expectedReplicas: 4, expectedValue: 5042),
        .init(name: "TestReplicaCalcToleranceCMExternal", currentReplicas: 3, levels: [8600],
              target: .externalValue(8888), expectedReplicas: 3, expectedValue: 8600),
        .init(name: "TestReplicaCalcTolerancePerPodCMExternal", currentReplicas: 3, levels: [8600],
              target: .externalAverageValue(2900), expectedReplicas: 3, expectedValue: 2867),
        .init(name: "TestReplicaCalcConfigurableToleranceCMObject", currentReplicas: 3, levels: [20666],
              target: .objectValue(20000), tolerances: .init(scaleDown: 0.1, scaleUp: 0.01),
              expectedReplicas: 4, expectedValue: 20666),
        .init(name: "TestReplicaCalcConfigurableTolerancePerPodCMObject", currentReplicas: 4, levels: [20208],
              target: .objectAverageValue(5000), tolerances: .init(scaleDown: 0.1, scaleUp: 0.01),
              expectedReplicas: 5, expectedValue: 5052),
        .init(name: "TestReplicaCalcConfigurableToleranceCMExternal", currentReplicas: 3, levels: [8900],
              target: .externalValue(8800), tolerances: .init(scaleDown: 0.1, scaleUp: 0.01),
              expectedReplicas: 4, expectedValue: 8900),
        .init(name: "TestReplicaCalcConfigurableTolerancePerPodCMExternal", currentReplicas: 3, levels: [8600],
              target: .externalAverageValue(2800), tolerances: .init(scaleDown: 0.1, scaleUp: 0.01),
              expectedReplicas: 4, expectedValue: 2867),
        .init(name: "TestReplicaCalcExternalMetricUsageOverflow: the sum saturates", currentReplicas: 3,
              levels: [Int64.max / 2 + 1, Int64.max / 2 + 1],
              target: .externalValue(.max), expectedReplicas: 3, expectedValue: .max),
    ]

    @Test("Object and External metric cases", arguments: cases)
    func wholeWorkload(_ testCase: WholeWorkloadCase) throws {
        let replicas = Scenario(currentReplicas: testCase.currentReplicas, readiness: testCase.readiness).replicas
        let calculator = testingCalculator
        let recommendation: MetricRecommendation
        switch testCase.target {
        case .objectValue(let target):
            recommendation = try calculator.objectValueReplicas(
                currentReplicas: testCase.currentReplicas, targetValue: target, observedValue: testCase.levels[0],
                replicas: replicas, tolerances: testCase.tolerances)
        case .objectAverageValue(let target):
            recommendation = try calculator.objectAverageValueReplicas(
                statusReplicas: testCase.currentReplicas, targetAverageValue: target, observedValue: testCase.levels[0],
                tolerances: testCase.tolerances)
        case .externalValue(let target):
            recommendation = try calculator.externalValueReplicas(
                currentReplicas: testCase.currentReplicas, targetValue: target, observedValues: testCase.levels,
                replicas: replicas, tolerances: testCase.tolerances)
        case .externalAverageValue(let target):
            recommendation = try calculator.externalAverageValueReplicas(
                statusReplicas: testCase.currentReplicas, targetAverageValue: target, observedValues: testCase.levels,
                tolerances: testCase.tolerances)
        }
        #expect(recommendation.replicas == testCase.expectedReplicas)
        #expect(recommendation.value == testCase.expectedValue)
    }

    @Test("from zero replicas the usage ratio alone decides, so a workload can scale from and to zero")
    func scaleFromZero() throws {
        let up = try testingCalculator.externalValueReplicas(
            currentReplicas: 0, targetValue: 100, observedValues: [250], replicas: [])
        #expect(up.replicas == 3)
        let stay = try testingCalculator.externalValueReplicas(
            currentReplicas: 0, targetValue: 100, observedValues: [0], replicas: [])
        #expect(stay.replicas == 0)
    }
}
