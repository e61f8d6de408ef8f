// Ports the per-replica ("Pods" metric) cases of Kubernetes' replica_calculator_test.go, the
// TestReplicaCalc*CM and TestPlainMetricReplicaCalc* functions whose metricType is podMetric
// (GetMetricReplicas / calcPlainMetricReplicas). Kubernetes' custom-metrics fake reports one value
// per pod with no container doubling, hence `containers: 1`.
// Not ported: none of the per-replica cases.
import Foundation
import Testing
import AICoreAutoscale

struct AverageValueCase: Sendable, CustomTestStringConvertible {
    var name: String
    var scenario: Scenario
    var targetAverageValue: Int64
    var tolerances: Tolerances = .default
    var expectedReplicas: Int32
    var expectedAverage: Int64

    var testDescription: String { name }
}

@Suite("Replica calculator: per-replica average value")
struct ReplicaCalculatorAverageValueTests {
    static let cases: [AverageValueCase] = [
        .init(name: "TestReplicaCalcScaleUpCM",
              scenario: .init(currentReplicas: 3, levels: [20000, 10000, 30000], containers: 1),
              targetAverageValue: 15000, expectedReplicas: 4, expectedAverage: 20000),
        .init(name: "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: CPU start-up rules do not apply",
              scenario: .init(currentReplicas: 3, readiness: [.ready, .ready, .notReady],
                              startTimes: [Clock.coolCPUStart, Clock.coolCPUStart, Clock.hotCPUStart],
                              levels: [50000, 10000, 30000], containers: 1),
              targetAverageValue: 15000, expectedReplicas: 6, expectedAverage: 30000),
        .init(name: "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown",
              scenario: .init(currentReplicas: 3, readiness: [.notReady, .ready, .notReady],
                              startTimes: [Clock.hotCPUStart, Clock.coolCPUStart, Clock.hotCPUStart],
                              levels: [50000, 15000, 30000], containers: 1),
              targetAverageValue: 15000, expectedReplicas: 7, expectedAverage: 31666),
        .init(name: "TestReplicaCalcScaleDownCM",
              scenario: .init(currentReplicas: 5, levels: [12000, 12000, 12000, 12000, 12000], containers: 1),
              targetAverageValue: 20000, expectedReplicas: 3, expectedAverage: 12000),
        .init(name: "TestReplicaCalcToleranceCM",
              scenario: .init(currentReplicas: 3, levels: [20000, 21000, 21000], containers: 1),
              targetAverageValue: 20000, expectedReplicas: 3, expectedAverage: 20666),
        .init(name: "TestReplicaCalcConfigurableToleranceCM",
              scenario: .init(currentReplicas: 3, levels: [20000, 21000, 21000], containers: 1),
              targetAverageValue: 20000, tolerances: .init(scaleDown: 0.1, scaleUp: 0.01),
              expectedReplicas: 4, expectedAverage: 20666),
        .init(name: "TestPlainMetricReplicaCalcMissingMetricsNoChangeEq",
              scenario: .init(currentReplicas: 5, levels: [20000, 19000, 21000], containers: 1),
              targetAverageValue: 20000, expectedReplicas: 5, expectedAverage: 20000),
        .init(name: "TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM",
              scenario: .init(currentReplicas: 2, phases: [.running, .running, .running], levels: [10000, 10000], containers: 1),
              targetAverageValue: 17000, expectedReplicas: 2, expectedAverage: 10000),
    ]

    @Test("TestReplicaCalc*CM per-replica metric cases", arguments: cases)
    func averageValue(_ testCase: AverageValueCase) throws {
        let recommendation = try testingCalculator.averageValueReplicas(
            currentReplicas: testCase.scenario.currentReplicas,
            targetAverageValue: testCase.targetAverageValue,
            replicas: testCase.scenario.replicas,
            samples: testCase.scenario.samples,
            tolerances: testCase.tolerances,
            now: Clock.now)
        #expect(recommendation.replicas == testCase.expectedReplicas)
        #expect(recommendation.value == testCase.expectedAverage)
        #expect(recommendation.utilization == nil)
    }

    @Test("an absolute CPU target applies the CPU start-up rules that a custom metric does not")
    func absoluteCPUTargetIgnoresHotReplicas() throws {
        // Same replicas as TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale, but measured as CPU:
        // the not-ready, just-started replica is set aside and idles the scale-up (2 ready of 3).
        let scenario = Scenario(
            currentReplicas: 3, readiness: [.ready, .ready, .notReady],
            startTimes: [Clock.coolCPUStart, Clock.coolCPUStart, Clock.hotCPUStart],
            levels: [50000, 10000, 30000], containers: 1)
        let recommendation = try testingCalculator.averageValueReplicas(
            currentReplicas: 3, targetAverageValue: 15000,
            replicas: scenario.replicas, samples: scenario.samples, resource: .cpu, now: Clock.now)
        #expect(recommendation.value == 30000)
        #expect(recommendation.replicas == 4)
    }
}
