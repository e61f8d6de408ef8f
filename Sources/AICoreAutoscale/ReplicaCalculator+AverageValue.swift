import AICoreErrors
import Foundation

extension ReplicaCalculator {
    /// Replicas needed to bring the mean per-replica value of a metric (requests per second,
    /// queue depth per worker, or a resource measured in absolute units) to `targetAverageValue`
    /// (Kubernetes `GetMetricReplicas` and `GetRawResourceReplicas`, via `calcPlainMetricReplicas`).
    ///
    /// - Parameter resource: pass the resource for an absolute resource target so that the CPU
    ///   start-up rules apply; leave `nil` for custom per-replica metrics.
    public func averageValueReplicas(
        currentReplicas: Int32,
        targetAverageValue: Int64,
        replicas: [Replica],
        samples: [String: MetricSample],
        resource: ResourceName? = nil,
        tolerances: Tolerances = .default,
        now: Date
    ) throws(AICoreError) -> MetricRecommendation {
        guard targetAverageValue > 0 else {
            throw AICoreError(.invalidTarget, "target average value must be above 0, got \(targetAverageValue)")
        }
        let (groups, counted) = try countedValues(
            replicas, samples, resource: resource, now: now,
            noMetrics: "no metrics returned; check that the metrics source is reporting")
        var values = counted

        let (usageRatio, average) = UtilizationRatio.average(values: values, targetValue: targetAverageValue)
        let keepCurrent = MetricRecommendation(replicas: currentReplicas, value: average)

        let scaleUpWithUnready = !groups.unready.isEmpty && usageRatio > 1.0
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if tolerances.isWithin(usageRatio) { return keepCurrent }
            return MetricRecommendation(replicas: Int32(saturatingCeil: usageRatio * Double(groups.readyCount)), value: average)
        }

        // Unmeasured replicas are assumed exactly at target on a scale-down and idle on a
        // scale-up, so they can only dampen the change.
        if !groups.missing.isEmpty {
            if usageRatio < 1.0 {
                for id in groups.missing { values[id] = targetAverageValue }
            } else if usageRatio > 1.0 {
                for id in groups.missing { values[id] = 0 }
            }
        }
        if scaleUpWithUnready {
            for id in groups.unready { values[id] = 0 }
        }

        let (newUsageRatio, _) = UtilizationRatio.average(values: values, targetValue: targetAverageValue)
        guard let newReplicas = Self.rebalancedReplicas(usageRatio: usageRatio, rebalanced: newUsageRatio, counted: values.count,
                                                        currentReplicas: currentReplicas, tolerances: tolerances) else {
            return keepCurrent
        }
        return MetricRecommendation(replicas: newReplicas, value: average)
    }
}
