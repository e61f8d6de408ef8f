import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Stacks on bridge networks, through the real agent and CLI, in a network namespace the test
/// makes (the agent's bridges, VIPs and published ports are there; nothing touches the host's
/// network): each instance has a namespace and an address of its own, listens on its usual
/// port, and reaches the others by service name through their VIP.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, bridges"))
struct NetworkEndToEndTests {
    /// A TCP server on 0.0.0.0:5432 that answers each request with `$WHO` and the address it was
    /// reached at. The client speaks first, as PostgreSQL's do.
    static let server = """
        import os, socket
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 5432))
        s.listen(16)
        while True:
            c, _ = s.accept()
            c.recv(100)
            c.sendall(("%s %s\\n" % (os.environ["WHO"], c.getsockname()[0])).encode())
            c.close()
        """

    /// A client that asks `db:5432` (by name) once a second and prints the answer.
    static let client = """
        import socket, sys, time
        while True:
            try:
                c = socket.create_connection(("db", 5432), 2)
                c.sendall(b"who?\\n")
                print("db says " + c.recv(100).decode().strip(), flush=True)
            except Exception as e:
                print("db unreachable: %r" % e, flush=True)
            time.sleep(1)
        """

    static func stackFile(_ name: String, publish: Int?) -> String {
        func quoted(_ script: String) -> String {
            "\"" + script.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        return """
            name: \(name)
            services:
              db:
                command: ["python3", "-c", \(quoted(server))]
                environment: {WHO: "\(name)"}
                ports: [\(publish.map { "\"127.0.0.1:\($0):5432\"" } ?? "\"5432\"")]
                x-aicore:
                  probes:
                    readiness: {tcp_socket: {}, period: 1s}
              client:
                command: ["python3", "-c", \(quoted(client))]
                depends_on: [db]
            """
    }

    /// One TCP exchange from the agent's namespace: what the server at `host:port` says.
    static func ask(_ harness: AgentHarness, _ host: String, _ port: Int) async throws -> String {
        let output = try await harness.inAgentNetwork("/usr/bin/python3", ["-c", """
            import socket
            c = socket.create_connection(("\(host)", \(port)), 5)
            c.sendall(b"who?\\n")
            print(c.recv(100).decode().strip())
            """])
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func twoStacksEachListenOn5432AndTheirInstancesReachEachOtherByName() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            try await harness.start(ownNetwork: true)
            for (name, publish) in [("alpha", 15432), ("beta", nil)] {
                let file = harness.directory + "/\(name).yml"
                try Self.stackFile(name, publish: publish).write(toFile: file, atomically: true, encoding: .utf8)
                let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
                let events = up.status == 0 ? "" : (try? await harness.cli(["inspect", "\(name)-client-1"]))?.stdout ?? ""
                #expect(up.status == 0, "up \(name): \(up.stderr)\n\(events.suffix(3000))\n\(harness.agentLog.suffix(3000))")
                try #require(up.status == 0)
            }

            // Both stacks' databases listen on 5432, each in its own namespace, at once.
            var addresses: [String: String] = [:]
            for name in ["alpha", "beta"] {
                let instances = try await harness.instances(name)
                let db = try #require(instances.first { $0.service == "db" })
                #expect(db.ready)
                let address = try #require(db.addresses["\(name)_default"], "\(db)")
                addresses[name] = address
                #expect(try await Self.ask(harness, address, 5432) == "\(name) \(address)")
            }
            #expect(addresses["alpha"] != addresses["beta"])
            #expect(addresses["alpha"]?.hasPrefix("10.22") == true, "an address of the default pools: \(addresses)")

            // The client reaches `db` by name: its own stack's, through the proxy at the VIP.
            for name in ["alpha", "beta"] {
                do {
                    try await waitUntil("\(name)'s client reaches its db by name", within: .seconds(60)) {
                        let logs = try await harness.cli(["logs", "-p", name, "client"])
                        return logs.stdout.contains("db says \(name) ")
                    }
                } catch {
                    let logs = try await harness.cli(["logs", "-p", name, "client"])
                    Issue.record("\(error)\n\(logs.stdout.suffix(1500))\n\(harness.agentLog.suffix(2000))")
                }
            }

            // Names, from the agent's resolver (127.0.0.11) in each instance: the service (its
            // VIP), an instance's name (its address), nothing of another stack's network.
            func resolve(_ stack: String, _ name: String) async throws -> CommandRunner.Result {
                try await harness.cli(["exec", "-p", stack, "client", "getent", "hosts", name])
            }
            let alphaVIP = try await resolve("alpha", "db")
            #expect(alphaVIP.status == 0, "\(alphaVIP.stdout)\(alphaVIP.stderr)")
            #expect(alphaVIP.stdout.hasPrefix("10.22"), "\(alphaVIP.stdout)")
            #expect(!alphaVIP.stdout.contains(addresses["alpha"] ?? "-"), "the service name is its VIP, not a replica's address")
            let instanceName = try await resolve("alpha", "alpha-db-1")
            #expect(instanceName.stdout.hasPrefix((addresses["alpha"] ?? "-") + " "), "\(instanceName.stdout)")
            #expect(try await resolve("alpha", "beta-db-1").status != 0, "beta's names are not on alpha's network")
            let resolvConf = try await harness.cli(["exec", "-p", "alpha", "client", "cat", "/etc/resolv.conf"])
            #expect(resolvConf.stdout.contains("nameserver 127.0.0.11"), "\(resolvConf.stdout)")
            #expect(resolvConf.stdout.contains("options ndots:0"), "\(resolvConf.stdout)")

            // Stacks are isolated: alpha's client reaches beta's database neither by address nor
            // through beta's gateway (the agent's nftables table drops it).
            let crossing = try await harness.cli(["exec", "-p", "alpha", "client", "python3", "-c", """
                import socket, sys
                try:
                    socket.create_connection(("\(addresses["beta"] ?? "-")", 5432), 2)
                    sys.exit(0)
                except OSError as e:
                    print(e)
                    sys.exit(1)
                """])
            #expect(crossing.status == 1, "alpha reached beta's database: \(crossing.stdout)")

            // A service added to a running stack resolves at once in the instances there.
            let grown = harness.directory + "/alpha-grown.yml"
            try (Self.stackFile("alpha", publish: 15432) + """

                  cache:
                    command: ["sleep", "600"]
                    expose: ["6379"]
                """).write(toFile: grown, atomically: true, encoding: .utf8)
            let regrow = try await harness.cli(["up", "-d", "--wait", "-f", grown])
            #expect(regrow.status == 0, "\(regrow.stderr)")
            #expect(try await resolve("alpha", "cache").status == 0, "a service added later resolves")
            let shrink = try await harness.cli(["up", "-d", "--wait", "-f", harness.directory + "/alpha.yml"])
            #expect(shrink.status == 0, "\(shrink.stderr)")
            #expect(try await resolve("alpha", "cache").status != 0, "a removed service stops resolving")

            // A published port on 127.0.0.1 of the agent's namespace reaches alpha's db.
            #expect(try await Self.ask(harness, "127.0.0.1", 15432).hasPrefix("alpha "))

            // An agent killed and started again re-adopts its networks: the same instances keep
            // their addresses (nothing restarted), and the VIPs and published ports serve again.
            let before = try await harness.instances("alpha")
            await harness.kill()
            try await harness.start()
            let after = try await harness.instances("alpha")
            #expect(after.map(\.addresses) == before.map(\.addresses))
            #expect(after.map(\.pid) == before.map(\.pid), "re-adopted, not restarted")
            try await waitUntil("alpha's published port serves again after the agent's restart", within: .seconds(30)) {
                (try? await Self.ask(harness, "127.0.0.1", 15432).hasPrefix("alpha ")) == true
            }

            // down removes the stack's bridge with its addresses.
            let down = try await harness.cli(["down", "-p", "alpha"])
            #expect(down.status == 0, "\(down.stderr)")
            let routes = try await harness.inAgentNetwork("/usr/sbin/ip", ["-4", "route", "show"]).stdout
            let betaSubnet = try #require(addresses["beta"]).split(separator: ".").prefix(3).joined(separator: ".") + ".0/24"
            let alphaSubnet = try #require(addresses["alpha"]).split(separator: ".").prefix(3).joined(separator: ".") + ".0/24"
            #expect(routes.contains(betaSubnet), "\(routes)")
            #expect(!routes.contains(alphaSubnet), "alpha's bridge is gone: \(routes)")
        }
    }
}
