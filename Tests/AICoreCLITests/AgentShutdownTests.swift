import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How the agent goes down on SIGTERM: the REST endpoints, then the proxy, then the
/// instances, so that no new connection is forwarded to an instance being stopped.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct AgentShutdownTests {
    @Test func theProxyStopsListeningBeforeTheInstancesAreStopped() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            try await harness.start(["--stop-workloads-on-exit"])
            let port = try TestPort.next()
            // It ignores SIGTERM, so stopping it takes its whole grace period: the agent is
            // still alive, stopping it, long after it was told to go.
            let file = harness.directory + "/stack.yml"
            try """
                name: stubborn
                services:
                  app:
                    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
                    ports: ["127.0.0.1:\(port):8000"]
                    stop_grace_period: 60s
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            try #require(up.status == 0, "\(up.stderr)")
            try await waitUntil("the proxy listens on \(port)") { Self.accepts(port) }
            let initPid = try #require(try await harness.instances("stubborn").first?.pid)

            let agent = try #require(harness.agent)
            agent.signal(SIGTERM)
            try await waitUntil("the proxy closes \(port)") { !Self.accepts(port) }
            #expect(agent.isRunning, "the listener went only with the agent's process, not before the instances were stopped")
            // Not left behind: SIGKILL of its init ends the instance, and the agent's stop with it.
            kill(initPid, SIGKILL)
            try await waitUntil("the agent finished stopping the instance and exited") { !agent.isRunning }
            await harness.kill()
        }
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
