import AICoreErrors
// Specifies computeReplicasForMetrics from Kubernetes' horizontal.go. Kubernetes tests it only
// through the full controller with fake API clients (TestScaleUpOneMetricEmpty,
// TestScaleUpOneMetricInvalid, TestScaleDownOneMetricInvalid, TestScaleDownOneMetricEmpty); the
// first case below carries the numbers of TestScaleUpOneMetricEmpty (CPU asks for 4 of 3, the
// external metric fails). The rest are specification cases of our own.
import Foundation
import Testing
import AICoreAutoscale

@Suite("Combining metrics")
struct CombinedRecommendationTests {
    static let cpu = "cpu resource utilization (percentage of request)"
    static func ok(_ name: String, _ replicas: Int32, _ source: MetricEvaluation.Source = .resource) -> MetricEvaluation {
        MetricEvaluation(name: name, source: source, outcome: .success(MetricRecommendation(replicas: replicas, value: 0)))
    }
    static func failed(_ name: String, _ source: MetricEvaluation.Source) -> MetricEvaluation {
        MetricEvaluation(name: name, source: source, outcome: .failure(AICoreError(.noMetrics, "no metrics returned")))
    }

    @Test("a failed metric does not block a scale-up justified by the others (TestScaleUpOneMetricEmpty)")
    func failedMetricAllowsScaleUp() {
        let combined = CombinedRecommendation([Self.ok(Self.cpu, 4), Self.failed("qps", .external)], specReplicas: 3)
        #expect(combined.replicas == 4)
        #expect(combined.metricName == Self.cpu)
        #expect(combined.invalidMetricsCount == 1)
        #expect(combined.error?.code == .invalidMetrics)
        #expect(combined.condition == AutoscalerCondition(
            .scalingActive, true, reason: "ValidMetricFound",
            message: "the autoscaler was able to successfully calculate a replica count from \(Self.cpu)"))
    }

    @Test("a failed metric blocks a scale-down: the unseen metric might still need the replicas")
    func failedMetricBlocksScaleDown() {
        let combined = CombinedRecommendation([Self.ok(Self.cpu, 2), Self.failed("qps", .pods)], specReplicas: 5)
        #expect(combined.replicas == nil)
        #expect(combined.condition.status == false)
        #expect(combined.condition.reason == "FailedGetPodsMetric")
        #expect(combined.error?.message.hasPrefix("invalid metrics (1 invalid out of 2)") == true)
    }

    @Test("a failed metric does not block holding steady")
    func failedMetricAllowsHolding() {
        let combined = CombinedRecommendation([Self.ok(Self.cpu, 5), Self.failed("qps", .object)], specReplicas: 5)
        #expect(combined.replicas == 5)
    }

    @Test("with every metric failed there is no recommendation, and the first failure is reported")
    func allMetricsFailed() {
        let combined = CombinedRecommendation(
            [Self.failed("memory", .resource), Self.failed("qps", .external)], specReplicas: 5)
        #expect(combined.replicas == nil)
        #expect(combined.condition.reason == "FailedGetResourceMetric")
        #expect(combined.invalidMetricsCount == 2)
    }

    @Test("the highest recommendation wins and names the metric")
    func highestWins() {
        let combined = CombinedRecommendation(
            [Self.ok(Self.cpu, 3), Self.ok("qps", 7, .pods), Self.ok("memory", 7)], specReplicas: 5)
        #expect(combined.replicas == 7)
        #expect(combined.metricName == "qps")
        #expect(combined.error == nil)
    }

    @Test("an empty metric list yields no recommendation")
    func noMetrics() {
        let combined = CombinedRecommendation([], specReplicas: 5)
        #expect(combined.replicas == nil)
        #expect(combined.error?.code == .invalidMetrics)
    }
}
