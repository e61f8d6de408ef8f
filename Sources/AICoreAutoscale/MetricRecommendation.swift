/// What one metric asks for: a replica count and the current value that justified it.
public struct MetricRecommendation: Sendable, Hashable {
    /// Desired replica count according to this metric alone.
    public var replicas: Int32
    /// The current value reported in status, in milli-units: the mean per replica for resource
    /// and per-replica metrics, the total for object and external value targets.
    public var value: Int64
    /// Current utilisation in percent of the reservation; set only for utilisation targets.
    public var utilization: Int32?

    public init(replicas: Int32, value: Int64, utilization: Int32? = nil) {
        self.replicas = replicas
        self.value = value
        self.utilization = utilization
    }
}
