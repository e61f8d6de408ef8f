/// The transport protocol of a route: its listeners and its backends speak the same one.
public enum ProxyTransport: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each client connection is spliced to a backend connection.
    case tcp
    /// Each client address (ip:port) gets a session: a connected UDP socket to one backend,
    /// ended after an idle time, as Docker's userland proxy does.
    case udp
}
