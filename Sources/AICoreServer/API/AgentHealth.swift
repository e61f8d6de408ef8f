import Synchronization

/// Whether the agent has recovered its instances and bound its sockets (`/health/ready`).
public final class AgentHealth: Sendable {
    private let ready = Atomic<Bool>(false)

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    public func markReady() { ready.store(true, ordering: .releasing) }
}
