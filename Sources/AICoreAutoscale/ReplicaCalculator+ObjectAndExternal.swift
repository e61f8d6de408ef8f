import AICoreErrors
import Foundation

/// Metrics that describe the workload as a whole rather than each replica: a value of another
/// object (Kubernetes "Object" metrics, e.g. requests per second on a load balancer) or of
/// something outside the cluster ("External" metrics, e.g. a queue's depth).
extension ReplicaCalculator {
    /// Replicas needed so that a single observed value meets `targetValue`
    /// (Kubernetes `GetObjectMetricReplicas`).
    public func objectValueReplicas(
        currentReplicas: Int32,
        targetValue: Int64,
        observedValue: Int64,
        replicas: [Replica],
        tolerances: Tolerances = .default
    ) throws(AICoreError) -> MetricRecommendation {
        guard targetValue > 0 else {
            throw AICoreError(.invalidTarget, "target value must be above 0, got \(targetValue)")
        }
        let usageRatio = Double(observedValue) / Double(targetValue)
        let count = try Self.usageRatioReplicaCount(
            currentReplicas: currentReplicas, usageRatio: usageRatio, replicas: replicas, tolerances: tolerances)
        return MetricRecommendation(replicas: count, value: observedValue)
    }

    /// Replicas needed so that a single observed value divided over the replicas meets
    /// `targetAverageValue` (Kubernetes `GetObjectPerPodMetricReplicas`). Reports the per-replica
    /// average.
    public func objectAverageValueReplicas(
        statusReplicas: Int32,
        targetAverageValue: Int64,
        observedValue: Int64,
        tolerances: Tolerances = .default
    ) throws(AICoreError) -> MetricRecommendation {
        guard targetAverageValue > 0 else {
            throw AICoreError(.invalidTarget, "target average value must be above 0, got \(targetAverageValue)")
        }
        return Self.perReplicaRecommendation(
            statusReplicas: statusReplicas, targetAverageValue: targetAverageValue, total: observedValue, tolerances: tolerances)
    }

    /// Replicas needed so that the sum of the external series meets `targetValue`
    /// (Kubernetes `GetExternalMetricReplicas`). The sum saturates at `Int64.max`.
    public func externalValueReplicas(
        currentReplicas: Int32,
        targetValue: Int64,
        observedValues: [Int64],
        replicas: [Replica],
        tolerances: Tolerances = .default
    ) throws(AICoreError) -> MetricRecommendation {
        // The series' sum is one observed value, as an object metric's.
        try objectValueReplicas(currentReplicas: currentReplicas, targetValue: targetValue,
                                observedValue: Self.saturatingSum(observedValues), replicas: replicas, tolerances: tolerances)
    }

    /// Replicas needed so that the sum of the external series divided over the replicas meets
    /// `targetAverageValue` (Kubernetes `GetExternalPerPodMetricReplicas`).
    public func externalAverageValueReplicas(
        statusReplicas: Int32,
        targetAverageValue: Int64,
        observedValues: [Int64],
        tolerances: Tolerances = .default
    ) throws(AICoreError) -> MetricRecommendation {
        guard targetAverageValue > 0 else {
            throw AICoreError(.invalidTarget, "target average value must be above 0, got \(targetAverageValue)")
        }
        return Self.perReplicaRecommendation(
            statusReplicas: statusReplicas, targetAverageValue: targetAverageValue,
            total: Self.saturatingSum(observedValues), tolerances: tolerances)
    }

    /// With replicas running, scale the ready ones by the ratio (unready replicas would inflate
    /// the count); from zero, the ratio alone decides, which allows scaling from and to zero.
    static func usageRatioReplicaCount(
        currentReplicas: Int32, usageRatio: Double, replicas: [Replica], tolerances: Tolerances
    ) throws(AICoreError) -> Int32 {
        guard currentReplicas != 0 else {
            return Int32(saturatingCeil: usageRatio)
        }
        if tolerances.isWithin(usageRatio) { return currentReplicas }
        guard !replicas.isEmpty else {
            throw AICoreError(.noReplicas, "unable to calculate ready replicas: no replicas to measure")
        }
        let readyCount = replicas.count(where: \.isRunningAndReady)
        return Int32(saturatingCeil: usageRatio * Double(readyCount))
    }

    private static func perReplicaRecommendation(
        statusReplicas: Int32, targetAverageValue: Int64, total: Int64, tolerances: Tolerances
    ) -> MetricRecommendation {
        var count = statusReplicas
        let usageRatio = Double(total) / (Double(targetAverageValue) * Double(statusReplicas))
        if !tolerances.isWithin(usageRatio) {
            count = Int32(saturatingCeil: Double(total) / Double(targetAverageValue))
        }
        let average: Int64 =
            Double(total) >= Double(Int64.max) ? .max : Int64(saturatingCeil: Double(total) / Double(statusReplicas))
        return MetricRecommendation(replicas: count, value: average)
    }

    private static func saturatingSum(_ values: [Int64]) -> Int64 {
        var total: Int64 = 0
        for value in values {
            let (sum, overflow) = total.addingReportingOverflow(value)
            if overflow { return value > 0 ? .max : .min }
            total = sum
        }
        return total
    }
}
