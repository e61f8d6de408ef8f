import AICoreErrors

#if canImport(Glibc)
import Glibc
#endif

/// The resolver's two sockets, made and bound in the calling thread's network namespace (an
/// instance's): a socket keeps the namespace it was made in, wherever it is used afterwards.
struct DNSSockets: Sendable {
    /// Where queries are sent: 127.0.0.11:53, redirected to the sockets' own ports or not.
    static let port: UInt16 = 53

    var udp: Int32
    var tcp: Int32
    /// The ports the sockets have (`port`, or the kernel's choice for a redirected resolver).
    var udpPort: UInt16
    var tcpPort: UInt16

    /// A UDP socket and a listening TCP socket on 127.0.0.11, at `port` (53), or at ports the
    /// kernel picks when `port` is 0, read back with getsockname. Non-blocking, for SwiftNIO.
    static func bind(port: UInt16) throws(AICoreError) -> DNSSockets {
        let udp = try bound(type: Int32(SOCK_DGRAM.rawValue), port: port, reuseAddress: false)
        let tcp: (fd: Int32, port: UInt16)
        do {
            // SO_REUSEADDR: the TCP port is free again at once after a stop, even with
            // connections in TIME_WAIT. Not for UDP, where it would let a second socket share
            // the port and hide one left open.
            tcp = try bound(type: Int32(SOCK_STREAM.rawValue), port: port, reuseAddress: true)
        } catch {
            Glibc.close(udp.fd)
            throw error
        }
        guard listen(tcp.fd, 128) == 0 else {
            let error = failure("listen on \(ResolvConf.resolverAddress):\(tcp.port)/tcp")
            Glibc.close(udp.fd)
            Glibc.close(tcp.fd)
            throw error
        }
        return DNSSockets(udp: udp.fd, tcp: tcp.fd, udpPort: udp.port, tcpPort: tcp.port)
    }

    /// Closes both (sockets not handed to SwiftNIO after all).
    func close() {
        Glibc.close(udp)
        Glibc.close(tcp)
    }

    private static func bound(type: Int32, port: UInt16, reuseAddress: Bool) throws(AICoreError) -> (fd: Int32, port: UInt16) {
        let transport = type == Int32(SOCK_DGRAM.rawValue) ? "udp" : "tcp"
        let fd = socket(AF_INET, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot make a \(transport) socket for the resolver") }
        if reuseAddress {
            var one: Int32 = 1
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                let error = failure("SO_REUSEADDR on the resolver's \(transport) socket")
                Glibc.close(fd)
                throw error
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = ResolvConf.resolverAddress.value.bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = failure("cannot bind \(ResolvConf.resolverAddress):\(port == 0 ? "0 (any port)" : "\(port)")/\(transport)")
            Glibc.close(fd)
            throw error
        }
        var boundAddress = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &boundAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = failure("getsockname on the resolver's \(transport) socket")
            Glibc.close(fd)
            throw error
        }
        return (fd, UInt16(bigEndian: boundAddress.sin_port))
    }

    private static func failure(_ what: String) -> AICoreError {
        AICoreError(.systemCall, "\(what): \(String(cString: strerror(errno)))")
    }
}
