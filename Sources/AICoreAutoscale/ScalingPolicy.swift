/// A bound on how much the replica count may change within a sliding period.
public struct ScalingPolicy: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `value` is an absolute number of replicas (Kubernetes "Pods").
        case replicas
        /// `value` is a percentage of the replica count at the start of the period.
        case percent
    }

    public var kind: Kind
    public var value: Int32
    /// Length of the sliding window in seconds.
    public var periodSeconds: Int32

    public init(_ kind: Kind, value: Int32, periodSeconds: Int32) {
        self.kind = kind
        self.value = value
        self.periodSeconds = periodSeconds
    }

    public static func replicas(_ value: Int32, perSeconds periodSeconds: Int32) -> ScalingPolicy {
        ScalingPolicy(.replicas, value: value, periodSeconds: periodSeconds)
    }

    public static func percent(_ value: Int32, perSeconds periodSeconds: Int32) -> ScalingPolicy {
        ScalingPolicy(.percent, value: value, periodSeconds: periodSeconds)
    }
}
