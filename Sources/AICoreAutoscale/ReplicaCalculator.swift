import AICoreErrors
import Foundation

/// Turns metric samples into a desired replica count, one metric at a time, exactly as the
/// Kubernetes HorizontalPodAutoscaler's replica calculator does.
///
/// Pure: replicas, samples and the current time are passed in, nothing is fetched.
public struct ReplicaCalculator: Sendable, Hashable {
    /// While a replica is younger than this, its CPU samples count only once it is ready and a
    /// full window has been sampled since (Kubernetes: `--horizontal-pod-autoscaler-cpu-initialization-period`).
    public var cpuInitializationPeriod: TimeInterval
    /// A not-ready replica whose readiness last changed within this long of its start has never
    /// been ready, so its CPU sample is set aside
    /// (Kubernetes: `--horizontal-pod-autoscaler-initial-readiness-delay`).
    public var delayOfInitialReadiness: TimeInterval

    public init(cpuInitializationPeriod: TimeInterval = 300, delayOfInitialReadiness: TimeInterval = 30) {
        self.cpuInitializationPeriod = cpuInitializationPeriod
        self.delayOfInitialReadiness = delayOfInitialReadiness
    }

    /// Groups replicas with this calculator's start-up periods.
    /// The samples a recommendation is made of, after the checks both kinds of metric make: some
    /// samples, some replicas, and some sample left once unready and ignored replicas are out.
    func countedValues(
        _ replicas: [Replica], _ samples: [String: MetricSample], resource: ResourceName?, now: Date, noMetrics: String
    ) throws(AICoreError) -> (ReplicaGroups, [String: Int64]) {
        guard !samples.isEmpty else { throw AICoreError(.noMetrics, noMetrics) }
        guard !replicas.isEmpty else {
            throw AICoreError(.noReplicas, "no replicas to measure while calculating replica count")
        }
        let groups = group(replicas, samples: samples, resource: resource, now: now)
        var values = samples.mapValues(\.value)
        for id in groups.ignored.union(groups.unready) { values[id] = nil }
        guard !values.isEmpty else {
            throw AICoreError(
                .noMetricsForTargetedReplicas,
                "did not receive metrics for targeted replicas (replicas might be unready)")
        }
        return (groups, values)
    }

    public func group(
        _ replicas: [Replica], samples: [String: MetricSample], resource: ResourceName?, now: Date
    ) -> ReplicaGroups {
        ReplicaGroups(
            replicas: replicas, samples: samples, resource: resource,
            cpuInitializationPeriod: cpuInitializationPeriod,
            delayOfInitialReadiness: delayOfInitialReadiness, now: now)
    }

    /// Replicas needed to bring mean utilisation of `resource` (usage as a percentage of the
    /// reservation) to `targetUtilization` (Kubernetes `GetResourceReplicas`).
    ///
    /// Samples for replicas that are not in `replicas` still count toward the mean, as they do in
    /// Kubernetes, provided the replica's reservation is known.
    public func utilizationReplicas(
        currentReplicas: Int32,
        targetUtilization: Int32,
        resource: ResourceName,
        replicas: [Replica],
        samples: [String: MetricSample],
        tolerances: Tolerances = .default,
        now: Date
    ) throws(AICoreError) -> MetricRecommendation {
        guard targetUtilization > 0 else {
            throw AICoreError(.invalidTarget, "target utilization for \(resource) must be above 0, got \(targetUtilization)")
        }
        let (groups, counted) = try countedValues(
            replicas, samples, resource: resource, now: now,
            noMetrics: "no metrics returned for resource \(resource); check that the metrics source is reporting")
        var values = counted

        let requests = try Self.requests(of: replicas, for: resource)
        let observed = try UtilizationRatio.resource(values: values, requests: requests, targetUtilization: targetUtilization)
        let keepCurrent = MetricRecommendation(
            replicas: currentReplicas, value: observed.rawAverage, utilization: observed.utilization)
        func recommend(_ count: Int32) -> MetricRecommendation {
            MetricRecommendation(replicas: count, value: observed.rawAverage, utilization: observed.utilization)
        }

        let usageRatio = observed.usageRatio
        let scaleUpWithUnready = !groups.unready.isEmpty && usageRatio > 1.0
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if tolerances.isWithin(usageRatio) { return keepCurrent }
            return recommend(Int32(saturatingCeil: usageRatio * Double(groups.readyCount)))
        }

        // Be conservative about replicas we cannot measure: assume they sit at the target (or
        // fully use their reservation when the target exceeds 100 %) on a scale-down, and are idle
        // on a scale-up, so that neither direction is exaggerated.
        if !groups.missing.isEmpty {
            if usageRatio < 1.0 {
                let fallbackPercent = Int128(max(100, targetUtilization))
                for id in groups.missing {
                    let assumed = Int128(requests[id] ?? 0) * fallbackPercent / 100
                    values[id] = Int64(clamping: assumed)
                }
            } else if usageRatio > 1.0 {
                for id in groups.missing { values[id] = 0 }
            }
        }
        if scaleUpWithUnready {
            for id in groups.unready { values[id] = 0 }
        }

        let rebalanced = try UtilizationRatio.resource(values: values, requests: requests, targetUtilization: targetUtilization)
        guard let newReplicas = Self.rebalancedReplicas(usageRatio: usageRatio, rebalanced: rebalanced.usageRatio, counted: values.count,
                                                        currentReplicas: currentReplicas, tolerances: tolerances) else {
            return keepCurrent
        }
        return recommend(newReplicas)
    }

    /// The count the ratio recomputed with the assumed replicas asks for; nil: hold the current
    /// count, because the change is too small, the assumptions flipped the direction, or the
    /// extra replicas would move the count against the direction the ratio asks for.
    static func rebalancedReplicas(usageRatio: Double, rebalanced newUsageRatio: Double, counted: Int, currentReplicas: Int32,
                                   tolerances: Tolerances) -> Int32? {
        if tolerances.isWithin(newUsageRatio)
            || (usageRatio < 1.0 && newUsageRatio > 1.0)
            || (usageRatio > 1.0 && newUsageRatio < 1.0)
        {
            return nil
        }
        let newReplicas = Int32(saturatingCeil: newUsageRatio * Double(counted))
        if (newUsageRatio < 1.0 && newReplicas > currentReplicas)
            || (newUsageRatio > 1.0 && newReplicas < currentReplicas)
        {
            return nil
        }
        return newReplicas
    }

    /// Reservation of `resource` per replica; every replica listed must have one, including
    /// failed and terminating ones, as in Kubernetes.
    static func requests(of replicas: [Replica], for resource: ResourceName) throws(AICoreError) -> [String: Int64] {
        var requests: [String: Int64] = [:]
        for replica in replicas {
            guard let request = replica.requests[resource] else {
                throw AICoreError(
                    .missingRequest,
                    "missing request for \(resource) of replica \(replica.id); set a \(resource) reservation to autoscale on its utilization")
            }
            requests[replica.id] = request
        }
        return requests
    }
}
