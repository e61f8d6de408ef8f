import Foundation

/// One replica's metric value, in milli-units, and the window it was averaged over.
public struct MetricSample: Sendable, Hashable {
    public var value: Int64
    /// End of the collection window.
    public var timestamp: Date
    /// Length of the collection window, in seconds.
    public var window: TimeInterval

    public init(value: Int64, timestamp: Date = .distantPast, window: TimeInterval = 60) {
        self.value = value
        self.timestamp = timestamp
        self.window = window
    }
}
