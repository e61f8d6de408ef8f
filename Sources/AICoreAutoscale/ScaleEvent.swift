import Foundation

/// A replica change the autoscaler made, remembered so policies can limit change per period.
public struct ScaleEvent: Sendable, Hashable {
    /// Size of the change; always positive, the direction is the list it is stored in.
    public var replicaChange: Int32
    public var timestamp: Date
    /// Older than every policy period, so the slot may be reused for the next event.
    public var isOutdated: Bool

    public init(replicaChange: Int32, timestamp: Date, isOutdated: Bool = false) {
        self.replicaChange = replicaChange
        self.timestamp = timestamp
        self.isOutdated = isOutdated
    }
}
