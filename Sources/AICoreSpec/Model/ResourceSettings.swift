/// `deploy.resources.limits` or `.reservations`.
public struct ResourceSettings: Sendable, Hashable {
    public var cpus: Double?
    public var memory: ByteSize?
    public var pids: Int?

    public init(cpus: Double? = nil, memory: ByteSize? = nil, pids: Int? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.pids = pids
    }

    public var isEmpty: Bool { cpus == nil && memory == nil && pids == nil }
}
