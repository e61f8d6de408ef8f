/// One instance asking for room: its reservations (`deploy.resources.reservations`).
public struct PlacementRequest: Sendable, Hashable {
    public var instance: String
    public var service: String
    public var cpus: Double
    public var memoryBytes: UInt64

    public init(instance: String, service: String, cpus: Double = 0, memoryBytes: UInt64 = 0) {
        self.instance = instance
        self.service = service
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }
}

/// Where an instance goes: a node, or nowhere yet, with the reason.
public enum Placement: Sendable, Hashable {
    case placed(node: String)
    /// Kubernetes' words: `Insufficient cpu: requested 0.5, 0.2 free`.
    case pending(reason: String)

    public var node: String? {
        if case let .placed(node) = self { return node }
        return nil
    }
}
