/// What one listener of the proxy binds: an address and a transport. A TCP and a UDP listener
/// on the same address and port are two sockets and may serve two routes.
struct ProxyEndpoint: Sendable, Hashable, CustomStringConvertible {
    var address: ProxyAddress
    var transport: ProxyTransport

    init(_ address: ProxyAddress, _ transport: ProxyTransport) {
        self.address = address
        self.transport = transport
    }

    /// `host:port` for TCP (as before UDP existed, so messages and logs stay as they were),
    /// `host:port/udp` for UDP.
    var description: String {
        transport == .tcp ? address.description : "\(address)/udp"
    }
}
