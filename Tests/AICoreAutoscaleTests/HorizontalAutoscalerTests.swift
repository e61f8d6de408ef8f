import AICoreErrors
// Specifies the replica decision of reconcileAutoscaler in Kubernetes' horizontal.go, without its
// API calls. Kubernetes tests this only through the controller with fake clients; these cases use
// the numbers of TestScaleUpRCImmediately, TestScaleDownRCImmediately and TestStabilizeDownscale
// where they apply, and are otherwise our own.
import Foundation
import Testing
import AICoreAutoscale

@Suite("Horizontal autoscaler decisions")
struct HorizontalAutoscalerTests {
    static func metric(_ replicas: Int32) -> [MetricEvaluation] {
        [MetricEvaluation(
            name: "cpu resource utilization (percentage of request)", source: .resource,
            outcome: .success(MetricRecommendation(replicas: replicas, value: 0, utilization: 0)))]
    }

    @Test("a target scaled to zero by hand is left alone")
    func scaledToZeroDisablesScaling() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 1, maxReplicas: 5))
        let decision = autoscaler.evaluate(currentReplicas: 0, metrics: Self.metric(3), now: Clock.now)
        #expect(!decision.rescale)
        #expect(decision.condition(.scalingActive)?.reason == "ScalingDisabled")
    }

    @Test("below the minimum scales straight to it, whatever the metrics say (TestScaleUpRCImmediately)")
    func belowMinimum() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 2, maxReplicas: 6))
        let decision = autoscaler.evaluate(currentReplicas: 1, metrics: Self.metric(0), now: Clock.now)
        #expect(decision.desiredReplicas == 2)
        #expect(decision.reason == "Current number of replicas below Spec.MinReplicas")
    }

    @Test("above the maximum scales straight to it (TestScaleDownRCImmediately)")
    func aboveMaximum() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 2, maxReplicas: 5))
        let decision = autoscaler.evaluate(currentReplicas: 6, metrics: Self.metric(20), now: Clock.now)
        #expect(decision.desiredReplicas == 5)
        #expect(decision.reason == "Current number of replicas above Spec.MaxReplicas")
    }

    @Test("a recent higher recommendation holds a scale-down (TestStabilizeDownscale)")
    func downscaleStabilized() {
        var autoscaler = HorizontalAutoscaler(
            spec: AutoscalerSpec(minReplicas: 1, maxReplicas: 5, behavior: nil),
            history: ScalingHistory(recommendations: [
                TimestampedRecommendation(replicas: 10, timestamp: Clock.ago(600)),
                TimestampedRecommendation(replicas: 4, timestamp: Clock.ago(60)),
            ]))
        let decision = autoscaler.evaluate(currentReplicas: 4, metrics: Self.metric(2), now: Clock.now)
        #expect(decision.desiredReplicas == 4)
        #expect(decision.condition(.ableToScale)?.reason == "ScaleDownStabilized")
    }

    @Test("a first evaluation seeds the window, so a new target does not scale down at once")
    func firstEvaluationSeedsWindow() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 1, maxReplicas: 10))
        let first = autoscaler.evaluate(currentReplicas: 6, metrics: Self.metric(2), now: Clock.now)
        #expect(first.desiredReplicas == 6)
        #expect(first.condition(.ableToScale)?.reason == "ScaleDownStabilized")

        let later = autoscaler.evaluate(currentReplicas: 6, metrics: Self.metric(2), now: Clock.now.addingTimeInterval(301))
        #expect(later.desiredReplicas == 2)
        #expect(later.reason == "All metrics below target")
    }

    @Test("default behaviour caps a scale-up at +4 or +100 % per 15 s, and recorded rescales use the allowance")
    func defaultScaleUpRate() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 1, maxReplicas: 100))
        let first = autoscaler.evaluate(currentReplicas: 2, metrics: Self.metric(50), now: Clock.now)
        #expect(first.desiredReplicas == 6)
        #expect(first.condition(.scalingLimited) == AutoscalerCondition(
            .scalingLimited, true, reason: "ScaleUpLimit", message: LimitReason.scaleUpLimit.message))
        #expect(first.reason == "cpu resource utilization (percentage of request) above target")
        autoscaler.recordRescale(from: 2, to: 6, now: Clock.now)

        // 5 s later the period started at 2 replicas: max(2 + 4, 2 × 2) = 6, so no room yet.
        let soon = autoscaler.evaluate(currentReplicas: 6, metrics: Self.metric(50), now: Clock.now.addingTimeInterval(5))
        #expect(soon.desiredReplicas == 6)
        // After the 15 s period: max(6 + 4, 6 × 2) = 12.
        let later = autoscaler.evaluate(currentReplicas: 6, metrics: Self.metric(50), now: Clock.now.addingTimeInterval(16))
        #expect(later.desiredReplicas == 12)
    }

    @Test("when no metric can be evaluated nothing changes and the error is reported")
    func allMetricsInvalid() {
        var autoscaler = HorizontalAutoscaler(spec: AutoscalerSpec(minReplicas: 1, maxReplicas: 10))
        let failing = [MetricEvaluation(
            name: "qps", source: .pods, outcome: .failure(AICoreError(.noMetrics, "no metrics returned")))]
        let decision = autoscaler.evaluate(currentReplicas: 4, metrics: failing, now: Clock.now)
        #expect(!decision.rescale)
        #expect(decision.metricsError?.code == .invalidMetrics)
        #expect(decision.condition(.scalingActive)?.reason == "FailedGetPodsMetric")
    }

    @Test("per-direction tolerances come from the behaviour, falling back to the calculator's")
    func tolerancesFromBehavior() {
        let spec = AutoscalerSpec(
            maxReplicas: 10, behavior: ScalingBehavior(scaleUp: ScalingRules(tolerance: 0.05)))
        #expect(spec.tolerances() == Tolerances(scaleDown: 0.1, scaleUp: 0.05))
    }
}
