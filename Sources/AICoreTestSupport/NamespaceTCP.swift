import AICoreAddresses
import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// Blocking IPv4 TCP sockets for the network tests, each made in the network namespace of the
/// calling thread (the namespaces the tests make: never the host's network).
public enum NamespaceTCP {
    static func fail(_ what: String) -> AICoreError {
        AICoreError(.systemCall, "\(what): \(String(cString: strerror(errno)))")
    }

    static func socketAddress(_ ip: IPv4Address, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = ip.value.bigEndian
        return address
    }

    static func stream() throws(AICoreError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        return fd
    }

    /// A listener on `ip` and a free port (`port(of:)` says which).
    public static func listen(on ip: IPv4Address) throws(AICoreError) -> Int32 {
        let fd = try stream()
        var address = socketAddress(ip, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else {
            close(fd)
            throw fail("bind/listen on \(ip)")
        }
        return fd
    }

    public static func port(of fd: Int32) throws(AICoreError) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw fail("getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Connects to `ip:port`, writes `text` and closes.
    public static func send(_ text: String, to ip: IPv4Address, port: UInt16) throws(AICoreError) {
        let fd = try stream()
        defer { close(fd) }
        var address = socketAddress(ip, port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw fail("connect to \(ip):\(port)") }
        do {
            try FileIO.writeAll(fd, Array(text.utf8), path: "\(ip):\(port)")
        } catch {
            throw AICoreError(.systemCall, "write to \(ip):\(port): \(error)")
        }
    }

    /// How a connection attempt ended.
    public enum Attempt: Equatable, Sendable {
        case connected
        /// Nothing answered within the timeout: the SYN (or its answer) was dropped.
        case timedOut
        /// An answer said no (a reset: nobody listens; an ICMP error: rejected, unreachable).
        case refused(errno: Int32)
    }

    /// Tries to connect to `ip:port`, sending `text` when it does, and gives up after
    /// `timeoutMilliseconds` (`SO_SNDTIMEO`), so a firewall that drops the SYN fails the attempt
    /// quickly instead of leaving it to TCP's minutes of retries.
    public static func attempt(_ text: String, to ip: IPv4Address, port: UInt16, timeoutMilliseconds: Int = 300) throws(AICoreError) -> Attempt {
        let fd = try stream()
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        guard setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw fail("setsockopt SO_SNDTIMEO")
        }
        var address = socketAddress(ip, port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = errno
            // A blocking connect interrupted by SO_SNDTIMEO reports EINPROGRESS.
            if reason == EINPROGRESS || reason == ETIMEDOUT || reason == EAGAIN { return .timedOut }
            return .refused(errno: reason)
        }
        do {
            try FileIO.writeAll(fd, Array(text.utf8), path: "\(ip):\(port)")
        } catch {
            throw AICoreError(.systemCall, "write to \(ip):\(port): \(error)")
        }
        return .connected
    }

    /// `acceptAndRead`, with the address the connection came from (what a masquerade rewrote).
    public static func acceptAndReadWithPeer(_ listener: Int32) throws(AICoreError) -> (text: String, peer: IPv4Address) {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
        }
        guard fd >= 0 else { throw fail("accept") }
        defer { close(fd) }
        return (readToEnd(fd), IPv4Address(UInt32(bigEndian: address.sin_addr.s_addr)))
    }

    /// Accepts one connection and reads it to its end.
    public static func acceptAndRead(_ listener: Int32) throws(AICoreError) -> String {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw fail("accept") }
        defer { close(fd) }
        return readToEnd(fd)
    }

    static func readToEnd(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
