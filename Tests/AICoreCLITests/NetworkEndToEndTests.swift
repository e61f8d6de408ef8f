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
    static let server = tcpServer(host: "0.0.0.0", port: 5432, answer: "os.environ[\"WHO\"], c.getsockname()[0]")
    /// The same on `[::]:5432`, dual-stack (an IPv4 client's address is reported as IPv4).
    static let dualStackServer = tcpServer(host: "::", port: 5432, answer: "os.environ[\"WHO\"], c.getsockname()[0].replace(\"::ffff:\", \"\")")

    /// A python3 TCP server on host:port that reads a request and answers `"%s %s" % (answer)`
    /// (python expressions over the connection `c` and its `peer`) on each connection.
    static func tcpServer(host: String, port: Int, answer: String) -> String {
        """
        import os, socket
        s = socket.socket(socket.AF_INET6 if ":" in "\(host)" else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("\(host)", \(port)))
        s.listen(16)
        while True:
            c, peer = s.accept()
            c.recv(100)
            c.sendall(("%s %s\\n" % (\(answer))).encode())
            c.close()
        """
    }

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

    /// A script as one double-quoted YAML string.
    static func quoted(_ script: String) -> String {
        "\"" + script.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A python3 UDP server on 0.0.0.0:53 that answers each datagram with `echo <datagram>`:
    /// port 53 is free in an instance's namespace, the resolver's 127.0.0.11:53 being a DNAT.
    static let udpEchoServer = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 53))
        while True:
            data, peer = s.recvfrom(2048)
            s.sendto(b"echo " + data, peer)
        """

    /// A python3 script that sends `text` in one datagram to host:port (a name resolves through
    /// the instance's resolver) and prints the address it sent to and the answer; it exits
    /// non-zero on a refusal or after 3 s without one.
    static func udpAsk(_ host: String, _ port: Int, _ text: String) -> String {
        """
        import socket, sys
        try:
            address = socket.gethostbyname("\(host)")
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.connect((address, \(port)))
            s.send(b"\(text)")
            print(address, s.recv(100).decode())
        except OSError as e:
            print(e)
            sys.exit(1)
        """
    }

    /// `ipv6`: the default network is `enable_ipv6` and the db listens dual-stack.
    static func stackFile(_ name: String, publish: Int?, ipv6: Bool = false) -> String {
        """
            name: \(name)
            services:
              db:
                command: ["python3", "-c", \(quoted(ipv6 ? dualStackServer : server))]
                restart: unless-stopped
                environment: {WHO: "\(name)"}
                ports: [\(publish.map { "\"127.0.0.1:\($0):5432\"" } ?? "\"5432\"")]
                x-aicore:
                  probes:
                    readiness: {tcp_socket: {}, period: 1s}
              client:
                command: ["python3", "-c", \(quoted(client))]
                depends_on: [db]
            """ + (ipv6 ? "\nnetworks:\n  default:\n    enable_ipv6: true\n" : "")
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
                try Self.stackFile(name, publish: publish, ipv6: name == "beta").write(toFile: file, atomically: true, encoding: .utf8)
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

            // beta's network is `enable_ipv6`: its db has a ULA address too, and beta's client
            // reaches it by instance name over IPv6 (an AAAA answer, then AF_INET6).
            let betaDB = try #require(try await harness.instances("beta").first { $0.service == "db" })
            let betaDB6 = try #require(betaDB.addresses6["beta_default"], "\(betaDB)")
            #expect(betaDB6.hasPrefix("fd"), "a ULA address: \(betaDB6)")
            #expect(try await harness.instances("alpha").allSatisfy { $0.addresses6.isEmpty }, "alpha is IPv4 only")
            let overIPv6 = try await harness.cli(["exec", "-p", "beta", "client", "python3", "-c", """
                import socket
                family, kind, proto, _, address = socket.getaddrinfo("beta-db-1", 5432, socket.AF_INET6, socket.SOCK_STREAM)[0]
                c = socket.socket(family, kind, proto)
                c.settimeout(5)
                c.connect(address)
                c.sendall(b"who?\\n")
                print(c.recv(100).decode().strip())
                """])
            #expect(overIPv6.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "beta \(betaDB6)", "\(overIPv6.stdout)\(overIPv6.stderr)")
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

            // A subnet another stack's network has, and an external network nobody made: located
            // errors, and nothing of the stack is made.
            let alphaSubnet24 = (addresses["alpha"] ?? "-").split(separator: ".").prefix(3).joined(separator: ".") + ".0/24"
            let clash = harness.directory + "/gamma.yml"
            try """
                name: gamma
                services:
                  app:
                    command: ["sleep", "600"]
                    networks: [mine, shared]
                networks:
                  mine:
                    ipam:
                      config:
                        - subnet: \(alphaSubnet24)
                  shared:
                    external: true
                    name: nobody-made-this
                """.write(toFile: clash, atomically: true, encoding: .utf8)
            let refused = try await harness.cli(["up", "-d", "-f", clash])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("gamma.yml:10:11: error: networks.mine.ipam.config[0].subnet: \(alphaSubnet24) overlaps"), "\(refused.stderr)")
            #expect(refused.stderr.contains("gamma.yml:12:5: error: networks.shared.external: the external network nobody-made-this does not exist on this node"),
                    "\(refused.stderr)")
            #expect(try await harness.instances("gamma").isEmpty)

            // `config validate` asks the agent as `up` would: alpha's published port, alpha's
            // subnet and a route of the node (a link the test adds in the agent's namespace), each
            // located in the file; exit 2, and nothing of the stack is made.
            let routed = try await harness.inAgentNetwork("/bin/sh", ["-c", """
                /usr/sbin/ip link add aicvt0 type bridge && /usr/sbin/ip addr add 10.231.0.1/16 dev aicvt0 && /usr/sbin/ip link set aicvt0 up
                """])
            try #require(routed.status == 0, "\(routed.stderr)")
            let delta = harness.directory + "/delta.yml"
            try """
                name: delta
                services:
                  app:
                    command: ["sleep", "600"]
                    ports:
                      - "127.0.0.1:15432:5432"
                    networks: [mine, edge]
                networks:
                  mine:
                    ipam:
                      config:
                        - subnet: \(alphaSubnet24)
                  edge:
                    ipam:
                      config:
                        - subnet: 10.231.5.0/24
                """.write(toFile: delta, atomically: true, encoding: .utf8)
            let validated = try await harness.cli(["config", "validate", "-f", delta])
            #expect(validated.status == 2, "\(validated.stderr)")
            let located = validated.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix(delta + ":") }
            #expect(located == [
                "\(delta):6:9: error: services.app.ports[0]: host port 127.0.0.1:15432/tcp is already published by stack alpha (service db, 127.0.0.1:15432/tcp)",
                "\(delta):12:11: error: networks.mine.ipam.config[0].subnet: \(alphaSubnet24) overlaps \(alphaSubnet24) of network alpha_default on this node; choose another subnet",
                "\(delta):16:11: error: networks.edge.ipam.config[0].subnet: 10.231.5.0/24 overlaps the host's route to 10.231.0.0/16; choose another subnet",
            ], "\(validated.stderr)")
            #expect(validated.stdout.isEmpty)
            #expect(try await harness.instances("delta").isEmpty)
            let validatedRoutes = try await harness.inAgentNetwork("/usr/sbin/ip", ["-4", "route", "show"]).stdout
            #expect(!validatedRoutes.contains("10.231.5."), "validate made no bridge: \(validatedRoutes)")
            let offline = try await harness.cli(["config", "validate", "--offline", "-f", delta])
            #expect(offline.status == 0, "\(offline.stderr)")
            #expect(offline.stdout == "delta: valid, 1 service, 0 warnings\n")
            #expect(offline.stderr.isEmpty, "\(offline.stderr)")

            // `up` refuses a subnet on the node's route before it saves or makes anything.
            let edgeOnly = harness.directory + "/delta-edge.yml"
            try """
                name: delta
                services:
                  app:
                    command: ["sleep", "600"]
                    networks: [edge]
                networks:
                  edge:
                    ipam:
                      config:
                        - subnet: 10.231.5.0/24
                """.write(toFile: edgeOnly, atomically: true, encoding: .utf8)
            let routeRefused = try await harness.cli(["up", "-d", "-f", edgeOnly])
            #expect(routeRefused.status != 0)
            #expect(routeRefused.stderr.contains("\(edgeOnly):10:11: error: networks.edge.ipam.config[0].subnet: 10.231.5.0/24 overlaps the host's route to 10.231.0.0/16; choose another subnet"),
                    "\(routeRefused.stderr)")
            #expect(try await harness.instances("delta").isEmpty)
            let deltaRoutes = try await harness.inAgentNetwork("/usr/sbin/ip", ["-4", "route", "show"]).stdout
            #expect(!deltaRoutes.contains("10.231.5."), "no bridge of delta's: \(deltaRoutes)")
            let deltaStack = try await run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", harness.socket,
                                                             "http://localhost/v1/stacks/delta"])
            #expect(deltaStack.stdout == "404", "no stack delta was saved")
            _ = try await harness.inAgentNetwork("/usr/sbin/ip", ["link", "del", "aicvt0"])

            // A published port on 127.0.0.1 of the agent's namespace reaches alpha's db.
            #expect(try await Self.ask(harness, "127.0.0.1", 15432).hasPrefix("alpha "))

            // network_mode: service:db shares db's namespace: its 127.0.0.1:5432 is db's.
            let sidecar = harness.directory + "/alpha-sidecar.yml"
            try (Self.stackFile("alpha", publish: 15432) + """

                  sidecar:
                    command: ["sleep", "600"]
                    network_mode: "service:db"
                """).write(toFile: sidecar, atomically: true, encoding: .utf8)
            let withSidecar = try await harness.cli(["up", "-d", "--wait", "-f", sidecar])
            #expect(withSidecar.status == 0, "\(withSidecar.stderr)")
            let shared = try await Self.connect(harness, stack: "alpha", service: "sidecar", to: "127.0.0.1", 5432)
            #expect(shared.stdout.hasPrefix("alpha 127.0.0.1"), "\(shared.stdout)\(shared.stderr)")

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

            // db killed starts again (its restart policy) in a new namespace; the sidecar, left
            // in the old one with no link, starts again in db's new one (watched by the agent
            // that re-adopted both).
            let db = try #require(after.first { $0.service == "db" })
            let killedPID = try #require(db.pid)
            #expect(kill(killedPID, SIGKILL) == 0)
            try await waitUntil("db runs again in a new process", within: .seconds(30)) {
                (try? await harness.instances("alpha"))?.contains { $0.id == db.id && $0.pid != nil && $0.pid != killedPID && $0.ready } == true
            }
            try await waitUntil("the sidecar reaches db's new process at 127.0.0.1:5432", within: .seconds(30)) {
                (try? await Self.connect(harness, stack: "alpha", service: "sidecar", to: "127.0.0.1", 5432))?.stdout.hasPrefix("alpha 127.0.0.1") == true
            }
            let sharer = try #require(try await harness.instances("alpha").first { $0.service == "sidecar" })
            #expect(sharer.restarts == 1 && sharer.pid != after.first { $0.service == "sidecar" }?.pid, "\(sharer)")

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

    /// A namespace playing "the outside" for the agent's: joined to it by a veth pair, 10.99.0.1
    /// on the agent's side and 10.99.0.2 there, with a route back to the bridges through the
    /// agent's side (as a LAN router would have), so that only the agent's rules keep it out.
    struct Outside {
        let holder: ChildProcess

        static func make(beside harness: AgentHarness) async throws -> Outside {
            let holder = try ChildProcess.spawn("/usr/bin/unshare", ["--net", "/bin/sh", "-c", "ip link set lo up && exec sleep infinity"],
                                                discardOutput: true)
            let outside = Outside(holder: holder)
            try await waitUntil("the outside namespace exists") {
                (try? await outside.run("/usr/sbin/ip", ["-o", "link", "show", "lo", "up"]).stdout.contains("lo")) == true
            }
            for (command, arguments) in [
                ("/usr/sbin/ip", ["link", "add", "up0", "type", "veth", "peer", "name", "down0", "netns", "\(holder.pid)"]),
                ("/usr/sbin/ip", ["addr", "add", "10.99.0.1/24", "dev", "up0"]),
                ("/usr/sbin/ip", ["link", "set", "up0", "up"]),
            ] {
                let output = try await harness.inAgentNetwork(command, arguments)
                guard output.status == 0 else { throw HarnessFailure("\(arguments): \(output.stderr)") }
            }
            for arguments in [["addr", "add", "10.99.0.2/24", "dev", "down0"], ["link", "set", "down0", "up"],
                              ["route", "add", "10.220.0.0/15", "via", "10.99.0.1"]] {
                let output = try await outside.run("/usr/sbin/ip", arguments)
                guard output.status == 0 else { throw HarnessFailure("\(arguments): \(output.stderr)") }
            }
            return outside
        }

        func run(_ executable: String, _ arguments: [String]) async throws -> ChildProcess.Output {
            try await AICoreCLITests.run("/usr/bin/nsenter", ["--net=/proc/\(holder.pid)/ns/net", "--", executable] + arguments)
        }

        func stop() async {
            holder.signal(SIGKILL)
            let holder = holder
            _ = try? await offload { holder.waitForExit() }
        }
    }

    /// One TCP request from `instance` (by `exec`): what the server at host:port says, or the error.
    static func connect(_ harness: AgentHarness, stack: String, service: String, to host: String, _ port: Int) async throws -> CommandRunner.Result {
        try await harness.cli(["exec", "-p", stack, service, "python3", "-c", """
            import socket, sys
            try:
                c = socket.create_connection(("\(host)", \(port)), 3)
                c.sendall(b"who?\\n")
                print(c.recv(100).decode().strip())
            except OSError as e:
                print(e)
                sys.exit(1)
            """])
    }

    @Test func instancesReachOutThroughMasqueradeExceptOnInternalNetworksAndTheOutsideReachesOnlyPublishedPorts() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            try await harness.start(ownNetwork: true)
            let outside = try await Outside.make(beside: harness)
            // The outside's server answers with the address it sees the client at.
            let server = try ChildProcess.spawn("/usr/bin/nsenter", ["--net=/proc/\(outside.holder.pid)/ns/net", "--", "/usr/bin/python3", "-c",
                                                                   Self.tcpServer(host: "10.99.0.2", port: 7000, answer: "\"outside sees\", peer[0]")],
                                                discardOutput: true)
            defer { server.signal(SIGKILL) }
            let file = harness.directory + "/edge.yml"
            try (Self.stackFile("edge", publish: 15432) + """

                  echo:
                    command: ["python3", "-c", \(Self.quoted(Self.udpEchoServer))]
                    ports: ["15353:53/udp", "127.0.0.1:15354:53/udp"]
                  vault:
                    command: ["sleep", "600"]
                    networks: [back]
                networks:
                  back:
                    internal: true
                """).write(toFile: file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            #expect(up.status == 0, "\(up.stderr)\n\(harness.agentLog.suffix(2000))")
            try #require(up.status == 0)

            // Out through masquerade: the outside sees the agent's address, not the instance's.
            try await waitUntil("the outside's server answers", within: .seconds(30)) {
                (try? await Self.connect(harness, stack: "edge", service: "client", to: "10.99.0.2", 7000).status) == 0
            }
            let out = try await Self.connect(harness, stack: "edge", service: "client", to: "10.99.0.2", 7000)
            #expect(out.stdout.contains("outside sees 10.99.0.1"), "\(out.stdout)\(out.stderr)")
            // An internal network has no way out.
            let sealed = try await Self.connect(harness, stack: "edge", service: "vault", to: "10.99.0.2", 7000)
            #expect(sealed.status != 0, "an instance on an internal network reached the outside: \(sealed.stdout)")

            // From the outside: the published port answers; the instance's own address does not.
            let db = try #require(try await harness.instances("edge").first { $0.service == "db" })
            let address = try #require(db.addresses["edge_default"])
            func ask(_ host: String, _ port: Int) async throws -> ChildProcess.Output {
                try await outside.run("/usr/bin/python3", ["-c", """
                    import socket
                    c = socket.create_connection(("\(host)", \(port)), 3)
                    c.sendall(b"who?\\n")
                    print(c.recv(100).decode().strip())
                    """])
            }
            // 127.0.0.1:15432 is the agent's loopback only: the outside cannot reach it.
            #expect(try await ask("10.99.0.1", 15432).status != 0, "a port published on 127.0.0.1 answered the outside")
            #expect(try await ask(address, 5432).status != 0, "the outside reached an instance's address directly")

            // UDP: the published port answers the outside; the one published on 127.0.0.1 only the
            // agent's own namespace; and another service reaches it by name, at its VIP.
            try await waitUntil("the published UDP port answers the outside", within: .seconds(30)) {
                (try? await outside.run("/usr/bin/python3", ["-c", Self.udpAsk("10.99.0.1", 15353, "out")]).stdout)?
                    .contains("echo out") == true
            }
            let loopbackOnly = try await outside.run("/usr/bin/python3", ["-c", Self.udpAsk("10.99.0.1", 15354, "out")])
            #expect(loopbackOnly.status != 0, "a UDP port published on 127.0.0.1 answered the outside: \(loopbackOnly.stdout)")
            let local = try await harness.inAgentNetwork("/usr/bin/python3", ["-c", Self.udpAsk("127.0.0.1", 15354, "local")])
            #expect(local.stdout.contains("echo local"), "\(local.stdout)\(local.stderr)")
            let echo = try #require(try await harness.instances("edge").first { $0.service == "echo" })
            let byName = try await harness.cli(["exec", "-p", "edge", "client", "python3", "-c", Self.udpAsk("echo", 53, "inside")])
            #expect(byName.status == 0 && byName.stdout.contains("echo inside"), "\(byName.stdout)\(byName.stderr)")
            let resolved = String(byName.stdout.split(separator: " ").first ?? "")
            #expect(!resolved.isEmpty && resolved != echo.addresses["edge_default"], "echo resolved to its VIP, not its instance: \(byName.stdout)")
            // The service holding 0.0.0.0:53 still resolves names itself: its queries to
            // 127.0.0.11:53 go to the agent's resolver, not to its own socket.
            let fromEcho = try await harness.cli(["exec", "-p", "edge", "echo", "python3", "-c", "import socket; print(socket.gethostbyname(\"edge-client-1\"))"])
            let client = try #require(try await harness.instances("edge").first { $0.service == "client" })
            #expect(fromEcho.status == 0 && fromEcho.stdout.split(separator: "\n").first.map(String.init) == client.addresses["edge_default"],
                    "\(fromEcho.stdout)\(fromEcho.stderr)")

            let wide = harness.directory + "/wide.yml"
            try Self.stackFile("edge", publish: nil).replacingOccurrences(of: "ports: [\"5432\"]", with: "ports: [\"15433:5432\"]")
                .write(toFile: wide, atomically: true, encoding: .utf8)
            let republish = try await harness.cli(["up", "-d", "--wait", "-f", wide])
            #expect(republish.status == 0, "\(republish.stderr)")
            let published = try await ask("10.99.0.1", 15433)
            #expect(published.stdout.hasPrefix("edge "), "\(published.stdout)\(published.stderr)")

            // down leaves no bridge, address or rule of ours.
            #expect(try await harness.cli(["down", "-p", "edge"]).status == 0)
            let links = try await harness.inAgentNetwork("/usr/sbin/ip", ["-o", "link", "show"]).stdout
            #expect(!links.contains("aic-"), "\(links)")
            let doctor = try await harness.inAgentNetwork(CommandRunner.binary, ["doctor"])
            #expect(doctor.stdout.contains("table inet aicore is absent"), "\(doctor.stdout)")
            await outside.stop()
        }
    }
}
