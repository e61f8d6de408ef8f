import AICoreErrors
/// The outcome of evaluating one metric of an autoscaler spec.
public struct MetricEvaluation: Sendable {
    /// Where the metric comes from; names the failure reason reported in `ScalingActive`.
    public enum Source: String, Sendable, Hashable {
        case resource = "Resource"
        case containerResource = "ContainerResource"
        case pods = "Pods"
        case object = "Object"
        case external = "External"
    }

    /// Human-readable name, e.g. "cpu resource utilization (percentage of request)".
    public var name: String
    public var source: Source
    public var outcome: Result<MetricRecommendation, AICoreError>

    public init(name: String, source: Source, outcome: Result<MetricRecommendation, AICoreError>) {
        self.name = name
        self.source = source
        self.outcome = outcome
    }
}

/// The recommendation across all metrics of a spec (Kubernetes `computeReplicasForMetrics`).
public struct CombinedRecommendation: Sendable {
    /// Highest count any metric asked for; `nil` when no metric could be evaluated, or when some
    /// could not and the others would scale down (an unseen metric might need the replicas).
    public var replicas: Int32?
    /// The metric that set `replicas`.
    public var metricName: String?
    public var invalidMetricsCount: Int
    /// The first metric error, wrapped with the count of invalid metrics. Set whenever any metric
    /// failed, even if `replicas` is set (scaling up proceeds on the metrics that worked).
    public var error: AICoreError?
    /// `ScalingActive`: true with `ValidMetricFound`, or false with the first failure's reason.
    public var condition: AutoscalerCondition

    /// Combines per-metric evaluations; `specReplicas` is the replica count currently requested.
    public init(_ evaluations: [MetricEvaluation], specReplicas: Int32) {
        var replicas: Int32 = 0
        var chosen: String?
        var invalidCount = 0
        var firstFailure: (MetricEvaluation, AICoreError)?
        for evaluation in evaluations {
            switch evaluation.outcome {
            case .failure(let error):
                if firstFailure == nil { firstFailure = (evaluation, error) }
                invalidCount += 1
            case .success(let recommendation):
                // As in Kubernetes, a zero so far is always replaced, so a later metric names
                // the recommendation when every metric asks for zero.
                if replicas == 0 || recommendation.replicas > replicas {
                    replicas = recommendation.replicas
                    chosen = evaluation.name
                }
            }
        }

        self.invalidMetricsCount = invalidCount
        self.error = firstFailure.map { _, error in
            AICoreError(
                .invalidMetrics,
                "invalid metrics (\(invalidCount) invalid out of \(evaluations.count)), first error is: \(error.message)")
        }
        if evaluations.isEmpty {
            self.error = AICoreError(.invalidMetrics, "no metrics to evaluate; add at least one metric to the autoscaler")
        }

        if invalidCount >= evaluations.count || (invalidCount > 0 && replicas < specReplicas) {
            self.replicas = nil
            self.metricName = nil
            let reason = firstFailure.map { "FailedGet\($0.0.source.rawValue)Metric" } ?? "InvalidMetricSourceType"
            let message = firstFailure.map { "the autoscaler was unable to compute the replica count: \($0.1.message)" }
                ?? "the autoscaler has no metrics to compute the replica count from"
            self.condition = AutoscalerCondition(.scalingActive, false, reason: reason, message: message)
        } else {
            self.replicas = replicas
            self.metricName = chosen
            self.condition = AutoscalerCondition(
                .scalingActive, true, reason: "ValidMetricFound",
                message: "the autoscaler was able to successfully calculate a replica count from \(chosen ?? "")")
        }
    }
}
