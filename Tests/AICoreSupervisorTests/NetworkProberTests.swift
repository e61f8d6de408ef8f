import AICoreTestSupport
import Testing
@testable import AICoreSupervisor

@Suite struct NetworkProberTests {
    @Test(arguments: [(200, true), (204, true), (302, true), (399, true), (400, false), (404, false), (500, false), (503, false)])
    func httpStatusDecidesThePass(_ status: Int, _ passes: Bool) async throws {
        let server = try LoopbackHTTPServer(mode: .status(status))
        defer { server.stop() }
        let outcome = await HTTPProber(host: "127.0.0.1", port: server.port, path: "/health/live", headers: [:])
            .check(timeout: .seconds(5))
        #expect(outcome.passed == passes)
        #expect(outcome.output == "HTTP \(status) on /health/live")
    }

    @Test func aHungServerIsCutAtTheTimeout() async throws {
        let server = try LoopbackHTTPServer(mode: .hang)
        defer { server.stop() }
        let outcome = await HTTPProber(host: "127.0.0.1", port: server.port, path: "/health/live", headers: [:])
            .check(timeout: .milliseconds(300))
        #expect(!outcome.passed)
        #expect(outcome.output == "timeout after 300ms on /health/live")
    }

    @Test func headersAreSentAndHostIsDefaulted() {
        let prober = HTTPProber(host: "127.0.0.1", port: 8080, path: "/ready", headers: ["X-Probe": "1"])
        let text = String(decoding: prober.request(), as: UTF8.self)
        #expect(text.hasPrefix("GET /ready HTTP/1.1\r\n"))
        #expect(text.contains("X-Probe: 1\r\n"))
        #expect(text.contains("Host: 127.0.0.1:8080\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func refusedConnectionFails() async throws {
        // Bind then stop a server: its port is (almost certainly) closed now.
        let server = try LoopbackHTTPServer()
        let port = server.port
        server.stop()
        let http = await HTTPProber(host: "127.0.0.1", port: port, path: "/", headers: [:]).check(timeout: .seconds(2))
        #expect(!http.passed)
        let tcp = await TCPProber(host: "127.0.0.1", port: port).check(timeout: .seconds(2))
        #expect(!tcp.passed)
        #expect(tcp.output.contains("refused"))
    }

    @Test func tcpConnectPasses() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let outcome = await TCPProber(host: "127.0.0.1", port: server.port).check(timeout: .seconds(2))
        #expect(outcome.passed)
    }
}
