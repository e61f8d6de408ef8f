import AICoreErrors
// Ports the resource-utilization cases of Kubernetes' pkg/controller/podautoscaler/replica_calculator_test.go:
// the TestReplicaCalcResourceScale table and the standalone TestReplicaCalc* functions that call
// GetResourceReplicas. Inputs and expected outputs are Kubernetes' own.
//
// Translation notes:
// - Kubernetes' fake pods have two containers, each with the listed request and usage, so a pod's
//   request and usage are twice the listed numbers (`containers: 2`, the default here). Cases that
//   scope the metric to one container ("container metric") use that container's numbers
//   (`containers: 1`); Kubernetes' metrics client drops a pod whose scoped container reports nothing,
//   so those pods simply have no sample here.
// - The returned timestamp is not ported: samples carry their own timestamps.
// Not ported: none of the resource cases.
import Foundation
import Testing
import AICoreAutoscale

struct UtilizationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var scenario: Scenario
    var targetUtilization: Int32
    var tolerances: Tolerances = .default
    var expectedReplicas: Int32
    var expectedUtilization: Int32
    var expectedRawValue: Int64

    var testDescription: String { name }
}

@Suite("Replica calculator: resource utilization")
struct ReplicaCalculatorUtilizationTests {
    static let resourceScaleCases: [UtilizationCase] = [
        .init(name: "scale up",
              scenario: .init(currentReplicas: 3, requests: cpuRequests(3, 1000), levels: [300, 500, 700]),
              targetUtilization: 30, expectedReplicas: 5, expectedUtilization: 50, expectedRawValue: 2 * 500),
        .init(name: "scale up: container metric",
              scenario: .init(currentReplicas: 3, requests: cpuRequests(3, 1000), levels: [300, 500, 700], containers: 1),
              targetUtilization: 30, expectedReplicas: 5, expectedUtilization: 50, expectedRawValue: 500),
        .init(name: "scale up: unready pod scales less",
              scenario: .init(currentReplicas: 3, readiness: [.notReady, .ready, .ready],
                              requests: cpuRequests(3, 1000), levels: [300, 500, 700]),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 2 * 600),
        .init(name: "scale up: hot-CPU container scales less",
              scenario: .init(currentReplicas: 3, startTimes: [Clock.hotCPUStart, Clock.coolCPUStart, Clock.coolCPUStart],
                              requests: cpuRequests(3, 1000), levels: [300, 500, 700], containers: 1),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 600),
        .init(name: "scale up: hot-CPU pod scales less",
              scenario: .init(currentReplicas: 3, startTimes: [Clock.hotCPUStart, Clock.coolCPUStart, Clock.coolCPUStart],
                              requests: cpuRequests(3, 1000), levels: [300, 500, 700]),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 2 * 600),
        .init(name: "no scale: unready pods ignored",
              scenario: .init(currentReplicas: 3, readiness: [.ready, .notReady, .notReady],
                              requests: cpuRequests(3, 1000), levels: [400, 500, 700]),
              targetUtilization: 30, expectedReplicas: 3, expectedUtilization: 40, expectedRawValue: 2 * 400),
        .init(name: "no scale: hot-CPU pods ignored",
              scenario: .init(currentReplicas: 3, readiness: [.ready, .notReady, .notReady],
                              startTimes: [Clock.coolCPUStart, Clock.hotCPUStart, Clock.hotCPUStart],
                              requests: cpuRequests(3, 1000), levels: [400, 500, 700]),
              targetUtilization: 30, expectedReplicas: 3, expectedUtilization: 40, expectedRawValue: 2 * 400),
        .init(name: "scale up: failed pods ignored",
              scenario: .init(currentReplicas: 2, readiness: [.ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .failed, .failed],
                              requests: cpuRequests(4, 1000), levels: [500, 700]),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 2 * 600),
        .init(name: "scale up: failed pods ignored with missing container metric",
              scenario: .init(currentReplicas: 2, readiness: [.ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .failed, .failed],
                              requests: cpuRequests(4, 1000), levels: [500, 700], containers: 1),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 600),
        .init(name: "scale up: container metrics with failed pods ignored",
              scenario: .init(currentReplicas: 2, readiness: [.ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .failed, .failed],
                              requests: cpuRequests(4, 1000), levels: [500, 700], containers: 1),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 600),
        .init(name: "scale up: pods being deleted are ignored",
              scenario: .init(currentReplicas: 2, readiness: [.ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .running, .running], terminating: [false, false, true, true],
                              requests: cpuRequests(4, 1000), levels: [500, 700]),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 2 * 600),
        .init(name: "scale up: container metrics with pods being deleted ignored",
              scenario: .init(currentReplicas: 2, readiness: [.ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .running, .running], terminating: [false, false, true, true],
                              requests: cpuRequests(4, 1000), levels: [500, 700], containers: 1),
              targetUtilization: 30, expectedReplicas: 4, expectedUtilization: 60, expectedRawValue: 600),
        .init(name: "scale down",
              scenario: .init(currentReplicas: 5, requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 2 * 280),
        .init(name: "scale down: container metric",
              scenario: .init(currentReplicas: 5, requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250], containers: 1),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 280),
        .init(name: "scale down: exclude unready pods",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .notReady, .notReady],
                              requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250]),
              targetUtilization: 50, expectedReplicas: 2, expectedUtilization: 30, expectedRawValue: 2 * 300),
        .init(name: "scale down: container metric excludes unready pods",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .notReady, .notReady],
                              requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250], containers: 1),
              targetUtilization: 50, expectedReplicas: 2, expectedUtilization: 30, expectedRawValue: 300),
        .init(name: "scale down: exclude unscheduled pods",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .notReady, .notReady, .notReady, .notReady],
                              phases: [.running, .pending, .pending, .pending, .pending],
                              requests: cpuRequests(5, 1000), levels: [100]),
              targetUtilization: 50, expectedReplicas: 1, expectedUtilization: 10, expectedRawValue: 2 * 100),
        .init(name: "scale down: container metric excludes unscheduled pods",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .notReady, .notReady, .notReady, .notReady],
                              phases: [.running, .pending, .pending, .pending, .pending],
                              requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250], containers: 1),
              targetUtilization: 50, expectedReplicas: 1, expectedUtilization: 10, expectedRawValue: 100),
        .init(name: "scale down: ignore hot-CPU pods",
              scenario: .init(currentReplicas: 5,
                              startTimes: [Clock.coolCPUStart, Clock.coolCPUStart, Clock.coolCPUStart, Clock.hotCPUStart, Clock.hotCPUStart],
                              requests: cpuRequests(5, 1000), levels: [100, 300, 500, 250, 250]),
              targetUtilization: 50, expectedReplicas: 2, expectedUtilization: 30, expectedRawValue: 2 * 300),
        .init(name: "scale down: container metric ignores hot-CPU pods",
              scenario: .init(currentReplicas: 5,
                              startTimes: [Clock.coolCPUStart, Clock.coolCPUStart, Clock.coolCPUStart, Clock.hotCPUStart, Clock.hotCPUStart],
                              requests: cpuRequests(5, 1000), levels: [100, 300, 500, 1000, 1000], containers: 1),
              targetUtilization: 50, expectedReplicas: 2, expectedUtilization: 30, expectedRawValue: 300),
        .init(name: "scale down: failed pods ignored",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .running, .running, .running, .failed, .failed],
                              requests: cpuRequests(7, 1000), levels: [100, 300, 500, 250, 250]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 2 * 280),
        .init(name: "scale down: container metric with failed pods ignored",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .ready, .ready, .notReady, .notReady],
                              phases: [.running, .running, .running, .running, .running, .failed, .failed],
                              requests: cpuRequests(7, 1000), levels: [100, 300, 500, 250, 250], containers: 1),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 280),
        .init(name: "scale down: pods being deleted are ignored",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .ready, .ready, .notReady, .notReady],
                              phases: Array(repeating: .running, count: 7),
                              terminating: [false, false, false, false, false, true, true],
                              requests: cpuRequests(7, 1000), levels: [100, 300, 500, 250, 250]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 2 * 280),
        .init(name: "scale down: still-running pods being deleted are ignored",
              scenario: .init(currentReplicas: 5, readiness: [.ready, .ready, .ready, .ready, .ready, .notReady, .notReady],
                              phases: Array(repeating: .running, count: 7),
                              terminating: [false, false, false, false, false, true, true],
                              requests: cpuRequests(7, 1000), levels: [100, 300, 500, 250, 250], containers: 1),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 28, expectedRawValue: 280),
    ]

    static let standaloneCases: [UtilizationCase] = [
        .init(name: "TestReplicaCalcTolerance",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [1010, 1030, 1020]),
              targetUtilization: 100, expectedReplicas: 3, expectedUtilization: 102, expectedRawValue: 2 * 1020),
        .init(name: "TestReplicaCalcConfigurableTolerance: outside of a 0% tolerance",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [909, 1010, 1111]),
              targetUtilization: 100, tolerances: .init(scaleDown: 0, scaleUp: 0),
              expectedReplicas: 4, expectedUtilization: 101, expectedRawValue: 2 * 1010),
        .init(name: "TestReplicaCalcConfigurableTolerance: within a 200% scale-up tolerance",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [1890, 1910, 1900]),
              targetUtilization: 100, tolerances: .init(scaleDown: 0.1, scaleUp: 2),
              expectedReplicas: 3, expectedUtilization: 190, expectedRawValue: 2 * 1900),
        .init(name: "TestReplicaCalcConfigurableTolerance: outside 8% scale-up tolerance (and superfluous scale-down tolerance)",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [1100, 1080, 1090]),
              targetUtilization: 100, tolerances: .init(scaleDown: 2, scaleUp: 0.08),
              expectedReplicas: 4, expectedUtilization: 109, expectedRawValue: 2 * 1090),
        .init(name: "TestReplicaCalcConfigurableTolerance: within a 36% scale-down tolerance",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [660, 640, 650]),
              targetUtilization: 100, tolerances: .init(scaleDown: 0.36, scaleUp: 0.1),
              expectedReplicas: 3, expectedUtilization: 65, expectedRawValue: 2 * 650),
        .init(name: "TestReplicaCalcConfigurableTolerance: outside a 34% scale-down tolerance",
              scenario: .init(currentReplicas: 3, requests: [900, 1000, 1100], levels: [660, 640, 650]),
              targetUtilization: 100, tolerances: .init(scaleDown: 0.34, scaleUp: 0.1),
              expectedReplicas: 2, expectedUtilization: 65, expectedRawValue: 2 * 650),
        .init(name: "TestReplicaCalcSuperfluousMetrics",
              scenario: .init(currentReplicas: 4, requests: cpuRequests(4, 1000), levels: [4000, 9500, 3000, 7000, 3200, 2000]),
              targetUtilization: 100, expectedReplicas: 24, expectedUtilization: 587, expectedRawValue: 2 * 5875),
        .init(name: "TestReplicaCalcMissingMetrics",
              scenario: .init(currentReplicas: 4, requests: cpuRequests(4, 1000), levels: [400, 95]),
              targetUtilization: 100, expectedReplicas: 3, expectedUtilization: 24, expectedRawValue: 495),
        .init(name: "TestReplicaCalcMissingMetricsNoChangeEq",
              scenario: .init(currentReplicas: 2, requests: cpuRequests(2, 1000), levels: [1000]),
              targetUtilization: 100, expectedReplicas: 2, expectedUtilization: 100, expectedRawValue: 2 * 1000),
        .init(name: "TestReplicaCalcMissingMetricsNoChangeGt",
              scenario: .init(currentReplicas: 2, requests: cpuRequests(2, 1000), levels: [1900]),
              targetUtilization: 100, expectedReplicas: 2, expectedUtilization: 190, expectedRawValue: 2 * 1900),
        .init(name: "TestReplicaCalcMissingMetricsNoChangeLt",
              scenario: .init(currentReplicas: 2, requests: cpuRequests(2, 1000), levels: [600]),
              targetUtilization: 100, expectedReplicas: 2, expectedUtilization: 60, expectedRawValue: 2 * 600),
        .init(name: "TestReplicaCalcMissingMetricsUnreadyChange",
              scenario: .init(currentReplicas: 3, readiness: [.notReady, .ready, .ready], requests: cpuRequests(3, 1000), levels: [100, 450]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 45, expectedRawValue: 2 * 450),
        .init(name: "TestReplicaCalcMissingMetricsHotCpuNoChange",
              scenario: .init(currentReplicas: 3, startTimes: [Clock.hotCPUStart, Clock.coolCPUStart, Clock.coolCPUStart],
                              requests: cpuRequests(3, 1000), levels: [100, 450]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 45, expectedRawValue: 2 * 450),
        .init(name: "TestReplicaCalcMissingMetricsUnreadyScaleUp",
              scenario: .init(currentReplicas: 3, readiness: [.notReady, .ready, .ready], requests: cpuRequests(3, 1000), levels: [100, 2000]),
              targetUtilization: 50, expectedReplicas: 4, expectedUtilization: 200, expectedRawValue: 2 * 2000),
        .init(name: "TestReplicaCalcMissingMetricsHotCpuScaleUp",
              scenario: .init(currentReplicas: 3, readiness: [.notReady, .ready, .ready],
                              startTimes: [Clock.hotCPUStart, Clock.coolCPUStart, Clock.coolCPUStart],
                              requests: cpuRequests(3, 1000), levels: [100, 2000]),
              targetUtilization: 50, expectedReplicas: 4, expectedUtilization: 200, expectedRawValue: 2 * 2000),
        .init(name: "TestReplicaCalcMissingMetricsUnreadyScaleDown",
              scenario: .init(currentReplicas: 4, readiness: [.notReady, .ready, .ready, .ready],
                              requests: cpuRequests(4, 1000), levels: [100, 100, 100]),
              targetUtilization: 50, expectedReplicas: 3, expectedUtilization: 10, expectedRawValue: 2 * 100),
        .init(name: "TestReplicaCalcMissingMetricsScaleDownTargetOver100",
              scenario: .init(currentReplicas: 4, readiness: [.notReady, .ready, .ready, .ready],
                              requests: [1000, 1000, 2000, 2000], levels: [200, 100, 100]),
              targetUtilization: 300, expectedReplicas: 2, expectedUtilization: 6, expectedRawValue: 2 * 100),
        .init(name: "TestReplicaCalcDuringRollingUpdateWithMaxSurge",
              scenario: .init(currentReplicas: 2, phases: [.running, .running, .running],
                              requests: cpuRequests(3, 1000), levels: [100, 100]),
              targetUtilization: 50, expectedReplicas: 2, expectedUtilization: 10, expectedRawValue: 2 * 100),
    ]

    @Test("TestReplicaCalcResourceScale", arguments: resourceScaleCases)
    func resourceScale(_ testCase: UtilizationCase) throws {
        try Self.check(testCase)
    }

    @Test("standalone TestReplicaCalc* resource cases", arguments: standaloneCases)
    func standaloneCase(_ testCase: UtilizationCase) throws {
        try Self.check(testCase)
    }

    static func check(_ testCase: UtilizationCase) throws {
        let recommendation = try testingCalculator.utilizationReplicas(
            currentReplicas: testCase.scenario.currentReplicas,
            targetUtilization: testCase.targetUtilization,
            resource: .cpu,
            replicas: testCase.scenario.replicas,
            samples: testCase.scenario.samples,
            tolerances: testCase.tolerances,
            now: Clock.now)
        #expect(recommendation.replicas == testCase.expectedReplicas)
        #expect(recommendation.utilization == testCase.expectedUtilization)
        #expect(recommendation.value == testCase.expectedRawValue)
    }

    @Test("TestReplicaCalcDisjointResourcesMetrics: samples for unknown replicas only is an error")
    func disjointResourcesMetrics() {
        let scenario = Scenario(currentReplicas: 1, requests: [1000], levels: [100], sampleIDs: ["an-older-pod-name"])
        let error = #expect(throws: AICoreError.self) {
            try testingCalculator.utilizationReplicas(
                currentReplicas: 1, targetUtilization: 100, resource: .cpu,
                replicas: scenario.replicas, samples: scenario.samples, now: Clock.now)
        }
        #expect(error?.code == .noMetricsMatchedKnownReplicas)
    }

    @Test("TestReplicaCalcEmptyMetrics: no samples at all is an error")
    func emptyMetrics() {
        let scenario = Scenario(currentReplicas: 4, requests: cpuRequests(3, 1000), levels: [])
        let error = #expect(throws: AICoreError.self) {
            try testingCalculator.utilizationReplicas(
                currentReplicas: 4, targetUtilization: 100, resource: .cpu,
                replicas: scenario.replicas, samples: scenario.samples, now: Clock.now)
        }
        #expect(error?.code == .noMetrics)
    }

    @Test("TestReplicaCalcEmptyCPURequest: a replica without a reservation is an error")
    func emptyCPURequest() {
        let scenario = Scenario(currentReplicas: 1, requests: [], levels: [200])
        let error = #expect(throws: AICoreError.self) {
            try testingCalculator.utilizationReplicas(
                currentReplicas: 1, targetUtilization: 100, resource: .cpu,
                replicas: scenario.replicas, samples: scenario.samples, now: Clock.now)
        }
        #expect(error?.code == .missingRequest)
    }

    /// Back-calculates a target that just breaches the tolerance (scale down), then one just
    /// inside it (no change), with slightly uneven reservations. Kubernetes derives the expected
    /// numbers from the same formula.
    @Test("TestReplicaCalcComputedToleranceAlgImplementation")
    func computedToleranceAlgorithm() throws {
        let startReplicas: Int32 = 10
        let totalUsed = Int64(startReplicas) * 150
        let totalRequested = Int32(2 * totalUsed)
        let requestedToUsed = Double(totalRequested / Int32(totalUsed))
        let perReplicaRequested = Int64(totalRequested / startReplicas)
        let tolerance = 0.1

        var target = abs(1 / (requestedToUsed * (1 - tolerance))) + 0.01
        let usedRatio = Double(totalUsed) / (Double(totalRequested) * target)
        let finalReplicas = Int32((usedRatio * Double(startReplicas)).rounded(.up))

        let jitter: [Int64] = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0]
        let scenario = Scenario(
            currentReplicas: startReplicas,
            requests: jitter.map { perReplicaRequested + $0 },
            levels: Array(repeating: totalUsed / 10, count: 10))
        let expectedUtilization = Int32(totalUsed * 100) / totalRequested

        let breach = try testingCalculator.utilizationReplicas(
            currentReplicas: startReplicas, targetUtilization: Int32(target * 100), resource: .cpu,
            replicas: scenario.replicas, samples: scenario.samples, now: Clock.now)
        #expect(breach.replicas == finalReplicas)
        #expect(breach.utilization == expectedUtilization)
        #expect(breach.value == 2 * totalUsed / 10)

        target = abs(1 / (requestedToUsed * (1 - tolerance))) + 0.004
        let within = try testingCalculator.utilizationReplicas(
            currentReplicas: startReplicas, targetUtilization: Int32(target * 100), resource: .cpu,
            replicas: scenario.replicas, samples: scenario.samples, now: Clock.now)
        #expect(within.replicas == startReplicas)
    }
}
