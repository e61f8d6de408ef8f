/// How the agent's proxy spreads a replicated service's connections (`x-aicore.proxy`).
public struct ProxySettings: Sendable, Hashable {
    public enum Balance: String, Sendable, Hashable, CaseIterable {
        /// Each new connection to the next ready replica.
        case roundRobin = "round_robin"
        /// Each new connection to the ready replica with the fewest open ones (long-lived
        /// connections, uneven request costs).
        case leastConnections = "least_connections"
    }

    /// When the proxy connects a client to a replica.
    public enum Connect: String, Sendable, Hashable, CaseIterable {
        /// Once the client has sent its first bytes: a client that connects and says nothing
        /// holds no replica connection (a database's connection slots, a server's workers).
        case onFirstData = "on_first_data"
        /// As soon as the client is accepted: for protocols where the server speaks first
        /// (MySQL, SMTP, FTP, POP3, IMAP), whose clients wait for a greeting.
        case onAccept = "on_accept"
    }

    public var balance: Balance
    public var connect: Connect

    public init(balance: Balance = .roundRobin, connect: Connect = .onFirstData) {
        self.balance = balance
        self.connect = connect
    }
}
