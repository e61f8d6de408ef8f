/// What `kill`, `pause`, `unpause` and `rm` of a service did: the instances acted on, and those
/// left alone because their state did not allow it (running ones for `rm` without `stop`).
public struct InstanceActionResult: Codable, Sendable, Equatable {
    public var instances: [String]
    public var skipped: [String]
    public init(instances: [String], skipped: [String] = []) {
        self.instances = instances
        self.skipped = skipped
    }
}
