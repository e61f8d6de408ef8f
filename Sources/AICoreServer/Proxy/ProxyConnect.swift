/// When a route connects a client to its backend.
public enum ProxyConnect: String, Sendable, Hashable, Codable, CaseIterable {
    /// Once the client's first bytes have arrived: a client that connects and sends nothing
    /// holds no backend connection, so silent clients cannot use up a backend's connection
    /// slots. A client that half-closes before sending anything is closed.
    case onFirstData = "on_first_data"
    /// As soon as the client is accepted, for protocols where the server speaks first.
    case onAccept = "on_accept"
}
