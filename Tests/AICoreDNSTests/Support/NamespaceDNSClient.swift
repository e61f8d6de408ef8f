import AICoreAddresses
import AICoreDNS
import AICoreErrors
import AICoreNetwork

#if canImport(Glibc)
import Glibc
#endif

/// A blocking DNS client, as an instance's resolver library is: it asks 127.0.0.11:53 from a
/// thread inside the test's namespace, over UDP or TCP. A receive timeout bounds a lost answer
/// so a failing test ends; no test waits on it when things work.
enum NamespaceDNSClient {
    enum Transport: String, Sendable, CaseIterable {
        case udp
        case tcp
    }

    static let resolver = ResolvConf.resolverAddress

    /// Asks `name` (type `type`) in `namespace` and returns the decoded answer.
    static func ask(_ name: String, _ type: DNSRecordType = .a, over transport: Transport = .udp, in namespace: Int32,
                    id: UInt16 = UInt16.random(in: 1...UInt16.max)) async throws -> DNSMessage {
        var query = DNSMessage(id: id, questions: [DNSQuestion(name: DNSName(name)!, type: type)])
        query.recursionDesired = true
        let bytes = try await exchange(query.encoded(), over: transport, in: namespace)
        return try DNSMessage(decoding: bytes)
    }

    /// Sends raw `bytes` and returns the raw answer.
    static func exchange(_ bytes: [UInt8], over transport: Transport, in namespace: Int32) async throws -> [UInt8] {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> [UInt8] in
            switch transport {
            case .udp: try udpExchange(bytes)
            case .tcp: try tcpExchange(bytes)
            }
        }
    }

    /// Sends `bytes` over UDP and expects nothing back (garbage the server should drop or refuse).
    static func send(_ bytes: [UInt8], in namespace: Int32) async throws {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) in
            let fd = try socketTo(type: Int32(SOCK_DGRAM.rawValue))
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Asks `name` over UDP from a socket that is not connected, and returns where the answer
    /// came from (`address:port`): a connected client, glibc's, accepts only 127.0.0.11:53.
    static func answerSource(of name: String, in namespace: Int32) async throws -> String {
        var query = DNSMessage(id: 0x5353, questions: [DNSQuestion(name: DNSName(name)!, type: .a)])
        query.recursionDesired = true
        let bytes = query.encoded()
        return try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> String in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw fail("socket") }
            defer { close(fd) }
            var limit = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(53).bigEndian
            address.sin_addr.s_addr = resolver.value.bigEndian
            let sent = withUnsafePointer(to: &address) { to in
                to.withMemoryRebound(to: sockaddr.self, capacity: 1) { to in
                    bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, to, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            guard sent == bytes.count else { throw fail("sendto \(resolver):53") }
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            var buffer = [UInt8](repeating: 0, count: 65_535)
            let received = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
            }
            guard received > 0 else { throw fail("recvfrom") }
            return "\(IPv4Address(UInt32(bigEndian: from.sin_addr.s_addr))):\(UInt16(bigEndian: from.sin_port))"
        }
    }

    private static func fail(_ what: String) -> AICoreError {
        AICoreError(.systemCall, "\(what): \(String(cString: strerror(errno)))")
    }

    private static func socketTo(type: Int32) throws(AICoreError) -> Int32 {
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        var limit = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(53).bigEndian
        address.sin_addr.s_addr = resolver.value.bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = fail("connect to \(resolver):53")
            close(fd)
            throw error
        }
        return fd
    }

    private static func udpExchange(_ bytes: [UInt8]) throws(AICoreError) -> [UInt8] {
        let fd = try socketTo(type: Int32(SOCK_DGRAM.rawValue))
        defer { close(fd) }
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw fail("send") }
        var buffer = [UInt8](repeating: 0, count: 65_535)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw fail("recv from \(resolver):53") }
            return Array(buffer[..<n])
        }
    }

    private static func tcpExchange(_ bytes: [UInt8]) throws(AICoreError) -> [UInt8] {
        let fd = try socketTo(type: Int32(SOCK_STREAM.rawValue))
        defer { close(fd) }
        let framed = [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
        guard framed.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == framed.count else { throw fail("send") }
        let length = try readExactly(fd, 2)
        return try readExactly(fd, Int(length[0]) << 8 | Int(length[1]))
    }

    private static func readExactly(_ fd: Int32, _ count: Int) throws(AICoreError) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while bytes.count < count {
            let n = recv(fd, &buffer, count - bytes.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw n == 0 ? AICoreError(.systemCall, "the resolver closed the connection") : fail("recv") }
            bytes += buffer[..<n]
        }
        return bytes
    }
}
