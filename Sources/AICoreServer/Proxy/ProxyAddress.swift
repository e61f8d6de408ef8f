/// An IP address and port the proxy listens on, e.g. `127.0.0.5:3000` or `0.0.0.0:8080`.
/// The host is an IP literal (v4 or v6); names are not resolved.
public struct ProxyAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 hosts in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
