import AICoreAddresses
import AICoreErrors

#if canImport(Glibc)
import Glibc
#endif

/// IPv4 UDP sockets for the network tests, made in the network namespace of the calling thread
/// (the namespaces the tests make). A datagram carries its source address, so a test can send one
/// from an address of its choosing, as a spoofing workload would.
public enum NamespaceUDP {
    static func socketBound(to ip: IPv4Address) throws(AICoreError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NamespaceTCP.fail("socket") }
        var address = NamespaceTCP.socketAddress(ip, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw NamespaceTCP.fail("bind to \(ip)")
        }
        return fd
    }

    /// A socket on `ip` and a free port (`NamespaceTCP.port(of:)` says which).
    public static func listen(on ip: IPv4Address) throws(AICoreError) -> Int32 {
        try socketBound(to: ip)
    }

    /// One datagram from `source` (an address of this namespace) to `ip:port`.
    public static func send(_ text: String, from source: IPv4Address, to ip: IPv4Address, port: UInt16) throws(AICoreError) {
        let fd = try socketBound(to: source)
        defer { close(fd) }
        var address = NamespaceTCP.socketAddress(ip, port: port)
        let bytes = Array(text.utf8)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == bytes.count else { throw NamespaceTCP.fail("send from \(source) to \(ip):\(port)") }
    }

    /// The next datagram and where it came from; blocks until one arrives.
    public static func receive(_ fd: Int32) throws(AICoreError) -> (text: String, peer: IPv4Address) {
        var buffer = [UInt8](repeating: 0, count: 2048)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let n = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
            }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw NamespaceTCP.fail("recvfrom") }
            return (String(decoding: buffer[..<n], as: UTF8.self), IPv4Address(UInt32(bigEndian: address.sin_addr.s_addr)))
        }
    }
}
