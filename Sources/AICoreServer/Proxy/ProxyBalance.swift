/// How a route chooses a backend for each new client connection.
public enum ProxyBalance: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each backend in turn.
    case roundRobin = "round_robin"
    /// The backend with the fewest open connections; ties go in turn.
    case leastConnections = "least_connections"
}
