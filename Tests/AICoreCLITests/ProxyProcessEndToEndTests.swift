import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The service proxy is a process of its own: a connection through a published port, or from one
/// instance to another through a service's VIP on a bridge, outlives the agent's SIGKILL and its
/// restart, and the restarted agent re-adopts the same proxy.
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

    /// An instance's client of `echo:7000` (by name: the VIP, so the proxy) over ONE connection,
    /// held for good once it has had an answer: a line every 200 ms, and `connection <its local
    /// port> exchanges <n>` printed after each echo. It exits if that connection ends.
    static let vipClient = """
        import socket, sys, time
        def exchange(c):
            try:
                c.sendall(b"ping\\n")
                got = b""
                while not got.endswith(b"\\n"):
                    d = c.recv(4096)
                    if not d:
                        return False
                    got += d
                return True
            except OSError:
                return False
        # Until echo has a ready replica, the VIP accepts and then closes.
        while True:
            try:
                c = socket.create_connection(("echo", 7000), 2)
                c.settimeout(None)
                if exchange(c):
                    break
            except OSError as e:
                print("echo unreachable: %r" % e, flush=True)
            time.sleep(0.2)
        port = c.getsockname()[1]
        n = 1
        while True:
            print("connection %d exchanges %d" % (port, n), flush=True)
            time.sleep(0.2)
            if not exchange(c):
                print("connection %d closed" % port, flush=True)
                sys.exit(1)
            n += 1
        """

    /// A script as one double-quoted YAML string.
    static func quoted(_ script: String) -> String {
        "\"" + script.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// `echo`, published on 127.0.0.1:port; with `vipClient` (bridge networks only) the `client`
    /// service holding a connection to it through its VIP.
    static func stackFile(port: Int, vipClient: Bool = false) -> String {
        let client = """

              client:
                command: ["python3", "-c", \(quoted(Self.vipClient))]
                depends_on: [echo]
            """
        return """
            name: echo
            services:
              echo:
                command: ["python3", "-c", \(quoted(echoServer))]
                ports: ["127.0.0.1:\(port):7000"]
                x-aicore:
                  probes:
                    readiness: {tcp_socket: {}, period: 1s}
            """ + (vipClient ? client : "")
    }

    /// What `vipClient` printed last, read from its log file (the agent need not be up).
    struct VIPClientLog {
        let path: String

        init(_ harness: AgentHarness, instance: String = "echo-client-1") {
            path = harness.directory + "/logs/\(instance)/container.log"
        }

        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        /// The connection's local port and how many exchanges it made, from the last report.
        var latest: (connection: Int, exchanges: Int)? {
            for line in text.split(separator: "\n").reversed() {
                let words = line.split(separator: " ")
                guard let at = words.firstIndex(of: "connection"), words.count >= at + 4, words[at + 2] == "exchanges",
                      let port = Int(words[at + 1]), let count = Int(words[at + 3]) else { continue }
                return (port, count)
            }
            return nil
        }

        /// Waits for a few more exchanges than `after` made, and returns the latest report.
        func grows(after: (connection: Int, exchanges: Int), _ what: String) async throws -> (connection: Int, exchanges: Int)? {
            try await waitUntil("the VIP connection exchanges on \(what)", within: .seconds(30)) {
                (latest?.exchanges ?? 0) >= after.exchanges + 3 || text.contains("closed")
            }
            return latest
        }
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

    /// How every thread of `pid` is confined, as /proc shows it: each field's values, one per
    /// thread, deduplicated.
    static func confinement(of pid: pid_t) -> [String: Set<String>] {
        let wanted = ["Uid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"]
        var found: [String: Set<String>] = [:]
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for thread in threads {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, wanted.contains(String(parts[0])) else { continue }
                found[String(parts[0]), default: []].insert(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        return found
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
            try Self.stackFile(port: port, vipClient: ownNetwork).write(toFile: file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            let why = up.status == 0 ? "" : (try? await harness.cli(["ps", "-a", "-p", "echo"]))?.stdout ?? ""
            try #require(up.status == 0, "\(up.stderr)\n\(why)\n\(VIPClientLog(harness).text)\n\(harness.agentLog.suffix(2000))")
            try await waitUntil("the published port echoes", within: .seconds(30)) {
                (try? await Self.freshEcho(harness, port: port)) == "fresh"
            }
            let proxy = try #require(harness.proxyPID, "the agent started a proxy process")
            // Root, with CAP_NET_BIND_SERVICE (bit 10) alone, no_new_privs and a seccomp filter, on every thread.
            let only = "0000000000000400", none = "0000000000000000"
            #expect(Self.confinement(of: proxy) == [
                "Uid": ["0\t0\t0\t0"], "CapInh": [none], "CapPrm": [only], "CapEff": [only], "CapBnd": [only],
                "CapAmb": [none], "NoNewPrivs": ["1"], "Seccomp": ["2"],
            ])
            let vip = VIPClientLog(harness)
            if ownNetwork {
                try await waitUntil("the client exchanges through echo's VIP", within: .seconds(30)) { vip.latest != nil }
            }

            let held = try HeldConnection(harness, port: port)
            #expect(try await held.echoes("before"))

            await harness.kill()
            #expect(harness.proxyPID == proxy, "the proxy outlives the agent")
            #expect(try await held.echoes("while-the-agent-is-dead"))
            #expect(try await Self.freshEcho(harness, port: port) == "fresh", "new connections too")
            // Counted once the agent is gone: every exchange after this one ran without it.
            var atKill: (connection: Int, exchanges: Int)?
            if ownNetwork {
                let latest = try #require(vip.latest, "\(vip.text)")
                atKill = latest
            }
            if let atKill {
                let dead = try await vip.grows(after: atKill, "while the agent is dead")
                #expect(dead?.connection == atKill.connection, "the same connection: \(vip.text.suffix(500))")
                #expect((dead?.exchanges ?? 0) >= atKill.exchanges + 3, "\(vip.text.suffix(500))")
            }

            try await harness.start()
            #expect(try await held.echoes("after-the-restart"))
            #expect(harness.proxyPID == proxy, "re-adopted, not started again")
            #expect(try await Self.freshEcho(harness, port: port) == "fresh")
            if let atKill {
                let atStart = try #require(vip.latest)
                let restarted = try await vip.grows(after: atStart, "after the agent's restart")
                #expect(restarted?.connection == atKill.connection, "the same connection: \(vip.text.suffix(500))")
                #expect((restarted?.exchanges ?? 0) >= atStart.exchanges + 3, "\(vip.text.suffix(500))")
                #expect(!vip.text.contains("closed"), "\(vip.text.suffix(500))")
                // And a new connection from an instance, by name through the VIP.
                let fresh = try await harness.cli(["exec", "-p", "echo", "client", "python3", "-c", """
                    import socket
                    c = socket.create_connection(("echo", 7000), 5)
                    c.sendall(b"fresh\\n")
                    print(c.recv(100).decode().strip())
                    """])
                #expect(fresh.status == 0, "\(fresh.stderr)")
                #expect(fresh.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "fresh")
            }
            // The restarted agent drives it: counters come back through the routes API.
            let routes = try await harness.cli(["routes"])
            #expect(routes.status == 0, "\(routes.stderr)")

            await held.close()
            #expect(!held.answers.contains("closed"), "\(held.answers)")
        }
    }

    /// Also an instance's connection to another service through its VIP on the bridge.
    @Test func connectionsThroughABridgeNetworksPublishedPortAndThroughAVIPSurviveTheAgentsKillAndRestart() async throws {
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
