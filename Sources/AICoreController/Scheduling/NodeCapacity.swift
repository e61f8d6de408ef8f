/// What one node can give to workloads' reservations: its CPUs and memory, less what is kept
/// back for the system and the agent.
public struct NodeCapacity: Sendable, Hashable {
    public var node: String
    public var cpus: Double
    public var memoryBytes: UInt64

    public init(node: String, cpus: Double, memoryBytes: UInt64) {
        self.node = node
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }

    /// A node's raw figures (what its agent reads of the host) less the reserve, floored at zero.
    public init(node: String, rawCPUs: Double, rawMemoryBytes: UInt64, reserve: SystemReserve) {
        self.init(node: node, cpus: max(rawCPUs - reserve.cpus, 0),
                  memoryBytes: rawMemoryBytes > reserve.memoryBytes ? rawMemoryBytes - reserve.memoryBytes : 0)
    }
}

/// What is kept back from a node's raw capacity for the OS, the agent and what runs beside
/// them (Kubernetes' `system-reserved`).
public struct SystemReserve: Sendable, Hashable {
    public var cpus: Double
    public var memoryBytes: UInt64

    public init(cpus: Double = 0.1, memoryBytes: UInt64 = 256 << 20) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }

    public static let none = SystemReserve(cpus: 0, memoryBytes: 0)
}
