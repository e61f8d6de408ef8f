import AICoreAddresses
import NIOCore

/// A resolver queries are forwarded to: one of the host's `nameserver`s, or a service's `dns:`.
public struct DNSUpstream: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var port: UInt16

    public init(_ address: IPv4Address, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }

    /// The host's upstreams from a parsed resolv.conf.
    public static func from(_ conf: ResolvConf) -> [DNSUpstream] {
        conf.nameservers.map { DNSUpstream($0) }
    }

    var socketAddress: SocketAddress {
        get throws { try SocketAddress(ipAddress: address.description, port: Int(port)) }
    }

    public var description: String { "\(address):\(port)" }
}
