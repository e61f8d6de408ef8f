import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The service proxy is a process of its own: a connection through a published port outlives
/// the agent's SIGKILL and its restart, and the restarted agent re-adopts the same proxy.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, bridges"))
struct ProxyProcessEndToEndTests {
    /// Echoes every byte on each connection, on 0.0.0.0:$PORT (host network) or :7000 (bridge).
    static let echoServer = """
        import os, socket, threading
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(os.environ.get("PORT", "7000"))))
        s.listen(16)
        def serve(c):
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
            c.close()
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """

    /// One connection held open: each line read from the FIFO argv[1] goes through it, and its
    /// echo is appended to argv[2] (`closed` if the connection ended instead).
    static let heldClient = """
        import socket, sys
        c = socket.create_connection(("127.0.0.1", int(sys.argv[3])), 5)
        out = open(sys.argv[2], "a")
        for line in open(sys.argv[1]):
            c.sendall(line.encode())
            got = b""
            while not got.endswith(b"\\n"):
                d = c.recv(4096)
                if not d:
                    out.write("closed\\n")
                    out.flush()
                    sys.exit(1)
                got += d
            out.write("echo " + got.decode())
            out.flush()
        """

    static func stackFile(port: Int) -> String {
        let quoted = "\"" + echoServer.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
        return """
            name: echo
            services:
              echo:
                command: ["python3", "-c", \(quoted)]
                ports: ["127.0.0.1:\(port):7000"]
                x-aicore:
                  probes:
                    readiness: {tcp_socket: {}, period: 1s}
            """
    }

    /// A connection through the proxy from where the agent's published ports are, driven line by line.
    final class HeldConnection: @unchecked Sendable {
        // Written by the owning test only, one step at a time.
        let process: ChildProcess
        let output: String
        let fifo: CInt

        init(_ harness: AgentHarness, port: Int) throws {
            let path = harness.directory + "/held.fifo"
            output = harness.directory + "/held.out"
            guard mkfifo(path, 0o600) == 0 else { throw HarnessFailure("mkfifo \(path): \(errno)") }
            // Read and write: opening does not wait for the reader, and the reader sees no EOF
            // until `close()`.
            fifo = open(path, O_RDWR | O_CLOEXEC)
            guard fifo >= 0 else { throw HarnessFailure("open \(path): \(errno)") }
            let enter = harness.networkNamespace.map { ["/usr/bin/nsenter", "--net=\($0)", "--"] } ?? []
            let command = enter + ["/usr/bin/python3", "-c", ProxyProcessEndToEndTests.heldClient, path, output, String(port)]
            process = try ChildProcess.spawn(command[0], Array(command.dropFirst()), discardOutput: true)
        }

        var answers: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

        /// Sends `word` and waits for its echo on the same connection.
        func echoes(_ word: String) async throws -> Bool {
            let line = Array((word + "\n").utf8)
            guard write(fifo, line, line.count) == line.count else { return false }
            try await waitUntil("the held connection echoes \(word)", within: .seconds(30)) {
                self.answers.contains("echo \(word)\n") || self.answers.contains("closed")
            }
            return answers.contains("echo \(word)\n")
        }

        /// EOF on the FIFO: the client closes its connection and exits.
        func close() async {
            Glibc.close(fifo)
            let process = process
            _ = try? await offload { process.waitForExit() }
        }
    }

    /// One new connection's exchange through the published port.
    static func freshEcho(_ harness: AgentHarness, port: Int) async throws -> String {
        let script = """
            import socket
            c = socket.create_connection(("127.0.0.1", \(port)), 5)
            c.sendall(b"fresh\\n")
            print(c.recv(100).decode().strip())
            """
        let output = harness.networkNamespace == nil
            ? try await run("/usr/bin/python3", ["-c", script])
            : try await harness.inAgentNetwork("/usr/bin/python3", ["-c", script])
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func aConnectionSurvivesTheAgentsKillAndRestart(ownNetwork: Bool) async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            try await harness.start(ownNetwork: ownNetwork)
            let port = try TestPort.next()
            let file = harness.directory + "/echo.yml"
            try Self.stackFile(port: port).write(toFile: file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            try #require(up.status == 0, "\(up.stderr)\n\(harness.agentLog.suffix(2000))")
            try await waitUntil("the published port echoes", within: .seconds(30)) {
                (try? await Self.freshEcho(harness, port: port)) == "fresh"
            }
            let proxy = try #require(harness.proxyPID, "the agent started a proxy process")

            let held = try HeldConnection(harness, port: port)
            #expect(try await held.echoes("before"))

            await harness.kill()
            #expect(harness.proxyPID == proxy, "the proxy outlives the agent")
            #expect(try await held.echoes("while-the-agent-is-dead"))
            #expect(try await Self.freshEcho(harness, port: port) == "fresh", "new connections too")

            try await harness.start()
            #expect(try await held.echoes("after-the-restart"))
            #expect(harness.proxyPID == proxy, "re-adopted, not started again")
            #expect(try await Self.freshEcho(harness, port: port) == "fresh")
            // The restarted agent drives it: counters come back through the routes API.
            let routes = try await harness.cli(["routes"])
            #expect(routes.status == 0, "\(routes.stderr)")

            await held.close()
            #expect(!held.answers.contains("closed"), "\(held.answers)")
        }
    }

    @Test func aConnectionThroughABridgeNetworksPublishedPortSurvivesTheAgentsKillAndRestart() async throws {
        try await aConnectionSurvivesTheAgentsKillAndRestart(ownNetwork: true)
    }

    @Test func aConnectionThroughAHostPublishedPortSurvivesTheAgentsKillAndRestart() async throws {
        try await aConnectionSurvivesTheAgentsKillAndRestart(ownNetwork: false)
    }

    @Test func aProxyProcessThatDiedIsStartedAgainWithEveryRoute() async throws {
        try await AgentHarness.with { harness in
            let port = try TestPort.next()
            let file = harness.directory + "/echo.yml"
            try Self.stackFile(port: port).write(toFile: file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            try #require(up.status == 0, "\(up.stderr)")
            try await waitUntil("the published port echoes", within: .seconds(30)) {
                (try? await Self.freshEcho(harness, port: port)) == "fresh"
            }
            let first = try #require(harness.proxyPID)
            await harness.killProxy()
            try await waitUntil("the agent started another proxy process") { harness.proxyPID.map { $0 != first } ?? false }
            try await waitUntil("the new proxy serves the published port", within: .seconds(30)) {
                (try? await Self.freshEcho(harness, port: port)) == "fresh"
            }
        }
    }

    @Test func downAndStopLeaveNoProxyProcessBehind() async throws {
        var proxy: pid_t?
        try await AgentHarness.with { harness in
            try await waitUntil("the agent started its proxy process") { harness.proxyPID != nil }
            proxy = harness.proxyPID
        }
        let pid = try #require(proxy)
        #expect(!AgentHarness.isAlive(pid))
    }

    @Test func anAgentThatStopsWorkloadsOnExitStopsItsProxyToo() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            try await harness.start(["--stop-workloads-on-exit"])
            try await waitUntil("the agent started its proxy process") { harness.proxyPID != nil }
            let proxy = try #require(harness.proxyPID)
            await harness.terminate()
            try await waitUntil("the proxy process exits with the agent") { !AgentHarness.isAlive(proxy) }
        }
    }
}
