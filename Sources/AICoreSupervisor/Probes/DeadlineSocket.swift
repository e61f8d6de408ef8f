import AICoreRuntime

#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

/// A non-blocking TCP client socket whose every operation waits in poll(2) for at most the time
/// left before one deadline, so a check can never outlive its timeout. Used on a dedicated
/// thread (`BlockingWork`), never on an actor.
final class DeadlineSocket {
    enum Failure: Error, CustomStringConvertible {
        case timedOut
        case system(String, Int32)
        case closed

        var description: String {
            switch self {
            case .timedOut: "timeout"
            case let .system(what, err): "\(what): \(String(cString: strerror(err)))"
            case .closed: "connection closed"
            }
        }
    }

    let fd: Int32
    let deadline: ContinuousClock.Instant

    /// Connects to an IPv4 `host:port`.
    init(host: String, port: Int, deadline: ContinuousClock.Instant) throws(Failure) {
        self.deadline = deadline
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw .system("address \(host)", EINVAL) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw .system("connect \(host):\(port)", errno) }
            try wait(for: Int16(POLLOUT))
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw .system("connect \(host):\(port)", error) }
        }
    }

    deinit { close(fd) }

    private func wait(for events: Int16) throws(Failure) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, milliseconds)
            if rc > 0 { return }
            if rc < 0, errno != EINTR { throw .system("poll", errno) }
        }
    }

    func send(_ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0, errno == EAGAIN || errno == EINTR { try wait(for: Int16(POLLOUT)); continue }
            throw .system("send", errno)
        }
    }

    /// Reads until `done` says the bytes so far suffice, EOF, or `limit` bytes.
    func receive(limit: Int, until done: ([UInt8]) -> Bool) throws(Failure) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < limit, !done(received) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { break }
            if errno == EAGAIN || errno == EINTR { try wait(for: Int16(POLLIN)); continue }
            // A server that answers and closes without reading everything resets the
            // connection; what it sent before still counts.
            if errno == ECONNRESET, !received.isEmpty { break }
            throw .system("recv", errno)
        }
        return received
    }
}
