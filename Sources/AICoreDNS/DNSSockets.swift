import AICoreErrors

#if canImport(Glibc)
import Glibc
#endif

/// The resolver's two sockets, made and bound in the calling thread's network namespace (an
/// instance's): a socket keeps the namespace it was made in, wherever it is used afterwards.
enum DNSSockets {
    static let port: UInt16 = 53

    /// A UDP socket and a listening TCP socket on 127.0.0.11:53, non-blocking, for SwiftNIO.
    static func bindResolverAddress() throws(AICoreError) -> (udp: Int32, tcp: Int32) {
        let udp = try bound(type: Int32(SOCK_DGRAM.rawValue), reuseAddress: false)
        let tcp: Int32
        do {
            // SO_REUSEADDR: the TCP port is free again at once after a stop, even with
            // connections in TIME_WAIT. Not for UDP, where it would let a second socket share
            // the port and hide one left open.
            tcp = try bound(type: Int32(SOCK_STREAM.rawValue), reuseAddress: true)
        } catch {
            close(udp)
            throw error
        }
        guard listen(tcp, 128) == 0 else {
            let error = failure("listen on \(ResolvConf.resolverAddress):\(port)/tcp")
            close(udp)
            close(tcp)
            throw error
        }
        return (udp, tcp)
    }

    private static func bound(type: Int32, reuseAddress: Bool) throws(AICoreError) -> Int32 {
        let transport = type == Int32(SOCK_DGRAM.rawValue) ? "udp" : "tcp"
        let fd = socket(AF_INET, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot make a \(transport) socket for the resolver") }
        if reuseAddress {
            var one: Int32 = 1
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                let error = failure("SO_REUSEADDR on the resolver's \(transport) socket")
                close(fd)
                throw error
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = ResolvConf.resolverAddress.value.bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = failure("cannot bind \(ResolvConf.resolverAddress):\(port)/\(transport)")
            close(fd)
            throw error
        }
        return fd
    }

    private static func failure(_ what: String) -> AICoreError {
        AICoreError(.systemCall, "\(what): \(String(cString: strerror(errno)))")
    }
}
