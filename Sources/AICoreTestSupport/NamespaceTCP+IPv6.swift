import AICoreAddresses
import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// The same over IPv6, for `enable_ipv6` networks.
extension NamespaceTCP {
    static func socketAddress(_ ip: IPv6Address, port: UInt16) -> sockaddr_in6 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
            for (index, byte) in ip.bytes.enumerated() { raw[index] = byte }
        }
        return address
    }

    static func stream6() throws(AICoreError) -> Int32 {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        return fd
    }

    /// A listener on `ip` and a free port (`port6(of:)` says which).
    public static func listen(on ip: IPv6Address) throws(AICoreError) -> Int32 {
        let fd = try stream6()
        var address = socketAddress(ip, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else {
            close(fd)
            throw fail("bind/listen on [\(ip)]")
        }
        return fd
    }

    public static func port6(of fd: Int32) throws(AICoreError) -> UInt16 {
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw fail("getsockname") }
        return UInt16(bigEndian: address.sin6_port)
    }

    /// Tries to connect to `[ip]:port` and send `text`, giving up after `timeoutMilliseconds`.
    public static func attempt(_ text: String, to ip: IPv6Address, port: UInt16, timeoutMilliseconds: Int = 300) throws(AICoreError) -> Attempt {
        let fd = try stream6()
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        guard setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw fail("setsockopt SO_SNDTIMEO")
        }
        var address = socketAddress(ip, port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        guard connected == 0 else {
            let reason = errno
            if reason == EINPROGRESS || reason == ETIMEDOUT || reason == EAGAIN { return .timedOut }
            return .refused(errno: reason)
        }
        do {
            try FileIO.writeAll(fd, Array(text.utf8), path: "[\(ip)]:\(port)")
        } catch {
            throw AICoreError(.systemCall, "write to [\(ip)]:\(port): \(error)")
        }
        return .connected
    }

    /// Connects to `[ip]:port`, writes `text` and closes; a failure to connect throws.
    public static func send(_ text: String, to ip: IPv6Address, port: UInt16) throws(AICoreError) {
        let outcome = try attempt(text, to: ip, port: port, timeoutMilliseconds: 5000)
        guard outcome == .connected else { throw AICoreError(.systemCall, "connect to [\(ip)]:\(port): \(outcome)") }
    }

    /// `acceptAndRead` on an IPv6 listener, with the address the connection came from.
    public static func acceptAndReadWithPeer6(_ listener: Int32) throws(AICoreError) -> (text: String, peer: IPv6Address) {
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let fd = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
        }
        guard fd >= 0 else { throw fail("accept") }
        defer { close(fd) }
        let bytes = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
        return (readToEnd(fd), IPv6Address(bytes: bytes) ?? IPv6Address(high: 0, low: 0))
    }
}
