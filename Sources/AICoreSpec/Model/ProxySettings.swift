/// How the agent's proxy spreads a replicated service's connections (`x-aicore.proxy`).
public struct ProxySettings: Sendable, Hashable {
    public enum Balance: String, Sendable, Hashable, CaseIterable {
        /// Each new connection to the next ready replica.
        case roundRobin = "round_robin"
        /// Each new connection to the ready replica with the fewest open ones (long-lived
        /// connections, uneven request costs).
        case leastConnections = "least_connections"
    }

    public var balance: Balance

    public init(balance: Balance = .roundRobin) {
        self.balance = balance
    }
}
