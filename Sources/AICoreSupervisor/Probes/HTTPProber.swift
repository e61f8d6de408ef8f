import AICoreRuntime
import AICoreSystem

/// Kubernetes' `httpGet` on loopback: a status of 200–399 before the timeout passes. It speaks
/// just enough HTTP/1.1 (one request, `Connection: close`, the status line and headers).
struct HTTPProber {
    var host: String
    var port: Int
    var path: String
    var headers: [String: String]

    func check(timeout: Duration) async -> ProbeOutcome {
        let prober = self
        let deadline = ContinuousClock.now + timeout
        let outcome = try? await BlockingWork.run { prober.checkBlocking(deadline: deadline, timeout: timeout) }
        return outcome ?? ProbeOutcome(passed: false, output: "no thread to run the check")
    }

    func request() -> [UInt8] {
        var text = "GET \(path.isEmpty ? "/" : path) HTTP/1.1\r\n"
        var names = Set<String>()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            text += "\(name): \(value)\r\n"
            names.insert(name.lowercased())
        }
        if !names.contains("host") { text += "Host: \(host):\(port)\r\n" }
        if !names.contains("user-agent") { text += "User-Agent: aicore-probe/1\r\n" }
        if !names.contains("accept") { text += "Accept: */*\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// The status code of an HTTP/1.x response head, or nil.
    static func statusCode(_ head: [UInt8]) -> Int? {
        let text = String(decoding: head.prefix(64), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3 else { return nil }
        return Int(parts[1])
    }

    func checkBlocking(deadline: ContinuousClock.Instant, timeout: Duration) -> ProbeOutcome {
        let target = "\(path) on \(host):\(port)"
        do throws(DeadlineSocket.Failure) {
            let socket = try DeadlineSocket(host: host, port: port, deadline: deadline)
            try socket.send(request())
            let head = try socket.receive(limit: 16 << 10) { bytes in
                bytes.count >= 4 && (0...(bytes.count - 4)).contains { i in
                    bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10
                }
            }
            guard let code = Self.statusCode(head) else {
                return ProbeOutcome(passed: false, output: head.isEmpty ? "no HTTP response from \(target)" : "not an HTTP response from \(target)")
            }
            return ProbeOutcome(passed: (200...399).contains(code), output: "HTTP \(code) on \(path)")
        } catch .timedOut {
            return ProbeOutcome(passed: false, output: "timeout after \(DurationText.format(timeout)) on \(path)")
        } catch {
            return ProbeOutcome(passed: false, output: "\(error) (\(target))")
        }
    }
}
