import AICoreErrors
import AICoreNetwork
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP load generator of our own: `workers` threads, each sending `GET path` over a
/// fresh loopback connection (`Connection: close`) as fast as answers come, counting successes,
/// failures (refused, reset, timed out, non-2xx) and which `version` each answer names. A new
/// connection per request is the hardest case for a rollout: every request picks a backend.
/// Plain threads, not Swift concurrency: the workers block on sockets for the test's duration.
final class LoadGenerator: Sendable {
    /// One failed request: which worker sent it, when (`elapsed` milliseconds), and how it failed.
    struct Failure: Sendable, CustomStringConvertible {
        var worker: Int
        var sentAt: Int
        var failedAt: Int
        var reason: String

        var description: String { "worker \(worker), sent at \(sentAt) ms, failed at \(failedAt) ms: \(reason)" }
    }

    struct Tally: Sendable {
        var succeeded = 0
        var failed = 0
        /// The first few failures, for the test's message and its timing checks.
        var failures: [Failure] = []
        /// Answers by the version they name.
        var versions: [String: Int] = [:]
    }

    private let port: Int
    private let path: String
    private let tally = Mutex(Tally())
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)
    private let started = ContinuousClock.now

    /// `namespace`: the network namespace (`/proc/PID/ns/net`) the requests are sent from, the
    /// agent's when it has one of its own; nil: this process's.
    init(port: Int, path: String = "/version", workers: Int = 4, namespace: String? = nil) {
        self.port = port
        self.path = path
        let descriptor: Int32? = namespace.map { open($0, O_RDONLY | O_CLOEXEC) }
        for worker in 0..<workers {
            running.add(1, ordering: .sequentiallyConsistent)
            let thread = Thread { [self] in
                let work: @Sendable () -> Void = { [self] in
                    while !stopping.load(ordering: .sequentiallyConsistent) {
                        let sent = elapsed
                        record(Self.request(port: port, path: path), worker: worker, sent: sent)
                    }
                }
                if let descriptor, descriptor >= 0 {
                    do {
                        try NetworkNamespace.runBlocking(in: descriptor) { () throws(AICoreError) in work() }
                    } catch {
                        record(.failure(LoadFailure(description: "cannot enter \(namespace ?? ""): \(error)")), worker: worker, sent: elapsed)
                    }
                } else {
                    work()
                }
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
            thread.start()
        }
    }

    var current: Tally { tally.withLock { $0 } }

    /// Milliseconds since the generator started: failures are stamped with it, so a test can
    /// tell them apart from the moment it disturbed the backends.
    var elapsed: Int {
        Int((ContinuousClock.now - started) / .milliseconds(1))
    }

    /// Stops the workers (each finishes its request) and returns the tally.
    func stop() async -> Tally {
        stopping.store(true, ordering: .sequentiallyConsistent)
        while running.load(ordering: .sequentiallyConsistent) > 0 { try? await Task.sleep(for: .milliseconds(20)) }
        return current
    }

    /// Clears the counts (the workers go on).
    func reset() { tally.withLock { $0 = Tally() } }

    private func record(_ outcome: Result<String, LoadFailure>, worker: Int, sent: Int) {
        tally.withLock { tally in
            switch outcome {
            case let .success(version):
                tally.succeeded += 1
                tally.versions[version, default: 0] += 1
            case let .failure(failure):
                tally.failed += 1
                if tally.failures.count < 10 {
                    tally.failures.append(Failure(worker: worker, sentAt: sent, failedAt: elapsed, reason: failure.description))
                }
            }
        }
    }

    struct LoadFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// One request on its own connection; the version the answer names.
    static func request(port: Int, path: String, timeoutSeconds: Int = 15) -> Result<String, LoadFailure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(LoadFailure(description: "socket: errno \(errno)")) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return .failure(LoadFailure(description: "connect: errno \(errno)")) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return .failure(LoadFailure(description: "send: errno \(errno)")) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(LoadFailure(description: "recv: errno \(errno) after \(response.count) bytes"))
            }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 2") else {
            return .failure(LoadFailure(description: "answer: \(text.prefix(60).replacingOccurrences(of: "\r\n", with: " ⏎ "))"))
        }
        guard let range = text.range(of: "\"version\":\""),
              let end = text[range.upperBound...].firstIndex(of: "\"") else { return .success("?") }
        return .success(String(text[range.upperBound..<end]))
    }
}
