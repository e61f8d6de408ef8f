/// Horizontal autoscaling (`x-aicore.autoscale`), like a Kubernetes HPA.
public struct AutoscaleSettings: Sendable, Hashable {
    public var min: Int
    public var max: Int
    /// Target average CPU use, percent of the reservation (or limit).
    public var cpuPercent: Int?
    /// Target average memory use, percent of the reservation (or limit).
    public var memoryPercent: Int?
    public var requestsPerSecond: Double?
    /// How long a lower recommendation must persist before scaling down.
    public var scaleDownStabilization: Duration
    public var scaleUpStabilization: Duration

    public init(
        min: Int, max: Int, cpuPercent: Int? = nil, memoryPercent: Int? = nil, requestsPerSecond: Double? = nil,
        scaleDownStabilization: Duration = .seconds(300), scaleUpStabilization: Duration = .zero
    ) {
        self.min = min
        self.max = max
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.requestsPerSecond = requestsPerSecond
        self.scaleDownStabilization = scaleDownStabilization
        self.scaleUpStabilization = scaleUpStabilization
    }
}
