import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for probe tests: answers every request with the current
/// `mode`, or accepts and never answers (`hang`). One thread accepts; each connection gets a
/// thread. `stop()` closes the listener and every open connection.
public final class LoopbackHTTPServer: Sendable {
    public enum Mode: Sendable, Equatable {
        case status(Int)
        /// Accept, read the request, never answer.
        case hang
    }

    public let port: Int
    private let listener: Int32
    private let state: Mutex<(mode: Mode, connections: [Int32], requests: Int, stopped: Bool)>

    public init(mode: Mode = .status(200)) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        state = Mutex((mode: mode, connections: [], requests: 0, stopped: false))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    public var requestCount: Int { state.withLock { $0.requests } }

    public func stop() {
        // Only shutdown here: the threads that own the descriptors close them, so a number is
        // never closed twice nor touched after another test reused it.
        state.withLock { s in
            s.stopped = true
            for fd in s.connections { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            let keep = state.withLock { s -> Bool in
                if s.stopped { return false }
                s.connections.append(fd)
                return true
            }
            guard keep else {
                close(fd)
                close(listener)
                return
            }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { s in
                s.connections.removeAll { $0 == fd }
                close(fd)
            }
        }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            request.append(contentsOf: buffer[0..<n])
        }
        let mode = state.withLock { s -> Mode in
            s.requests += 1
            return s.mode
        }
        switch mode {
        case let .status(code):
            let body = "status \(code)\n"
            let response = "HTTP/1.1 \(code) X\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Half-close and drain, so the client reads the answer rather than a reset.
            shutdown(fd, Int32(SHUT_WR))
            while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
        case .hang:
            // Wait until the client gives up (or stop() shuts the socket down).
            while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
        }
    }
}
