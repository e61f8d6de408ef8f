import Foundation

/// An unstabilised recommendation and when it was made, kept for stabilisation windows.
public struct TimestampedRecommendation: Sendable, Hashable {
    public var replicas: Int32
    public var timestamp: Date

    public init(replicas: Int32, timestamp: Date) {
        self.replicas = replicas
        self.timestamp = timestamp
    }
}
