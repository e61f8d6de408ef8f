import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ports on 127.0.0.1 for listeners a test starts later (a proxy route, an agent, PostgreSQL).
///
/// "Bind to port 0, read it back, close" picks a free port from the kernel's ephemeral range,
/// and in a full parallel run another test's outgoing connection could take that very port
/// before the listener came up. These come from just below the ephemeral range
/// (`ip_local_port_range`), which the kernel never hands out by itself, one after another in
/// this process, each checked free with a bind.
public enum TestPort {
    /// How many ports below the ephemeral range are used.
    static let window = 8000

    private static let cursor = Mutex<Int?>(nil)

    public static func next() throws -> Int {
        let (low, _) = ephemeralRange()
        let first = max(1024, low - window)
        let last = low - 1
        guard last - first > 100 else { return try unusedEphemeralPort() }
        for _ in 0..<(last - first) {
            let port = cursor.withLock { cursor -> Int in
                // A random start, so that two test processes at once rarely meet.
                var next = (cursor ?? Int.random(in: first...last)) + 1
                if next > last || next < first { next = first }
                cursor = next
                return next
            }
            if isFree(port) { return port }
        }
        return try unusedEphemeralPort()
    }

    /// `/proc/sys/net/ipv4/ip_local_port_range`, or Linux's default.
    static func ephemeralRange() -> (Int, Int) {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        return fields.count == 2 ? (fields[0], fields[1]) : (32768, 60999)
    }

    /// Whether a listener could bind 127.0.0.1:`port` now (no SO_REUSEADDR: a port still in
    /// TIME_WAIT counts as taken).
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The fallback: a port the kernel picked as free.
    static func unusedEphemeralPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestPortFailure(errno: errno) }
        defer { close(fd) }
        var address = loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else { throw TestPortFailure(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

public struct TestPortFailure: Error, CustomStringConvertible {
    public var errno: Int32
    public var description: String { "no free port on 127.0.0.1: \(String(cString: strerror(errno)))" }
}
