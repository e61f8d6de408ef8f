import AICoreOS
import AICoreServer
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Compose verbs against a real agent with small stacks: what an operator sees when things
/// go right, when they go wrong, and when there is no agent at all.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct AgentCLITests {
    static func write(_ text: String, in directory: String, name: String = "stack.yml") throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func upWaitFailsWithTheReasonWhenAServiceCannotComeUp() async throws {
        try await AgentHarness.with { harness in
            let file = try Self.write("""
                name: broken
                services:
                  app:
                    command: ["/bin/sh", "-c", "echo giving up >&2; exit 3"]
                    restart: "no"
                    # Never ready before it exits: without a check, a loaded machine can keep the
                    # shell running (and so ready) across a poll, and `--wait` rightly says "up".
                    healthcheck: {test: ["CMD", "true"], interval: 30s}
                """, in: harness.directory)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            #expect(up.status == 1)
            #expect(up.stderr.contains("stack broken failed: service app has 1 failed instance(s)"), "\(up.stderr)")
            let instance = try #require(try await harness.instances("broken").first)
            #expect(instance.state == .exited)
            #expect(instance.lastExitCode == 3)
            let logs = try await harness.cli(["logs", "-p", "broken", "app"])
            #expect(logs.stderr.contains("giving up"), "stderr lines stay on stderr: \(logs)")
        }
    }

    @Test func aStackFileWithErrorsExitsTwoWithLocatedErrorsAndChangesNothing() async throws {
        try await AgentHarness.with { harness in
            let file = try Self.write("""
                name: typo
                services:
                  app:
                    command: ["/bin/sleep", "60"]
                    deploy:
                      replicas: three
                """, in: harness.directory)
            let up = try await harness.cli(["up", "-d", "-f", file])
            #expect(up.status == 2)
            #expect(up.stderr.contains("stack.yml:6:"), "\(up.stderr)")
            #expect(up.stderr.contains("services.app.deploy.replicas"), "\(up.stderr)")
            let listed = try ControlAPI.decoder.decode([InstanceStatus].self, from: Data(try await harness.cli(["ps", "-a", "--format", "json"]).stdout.utf8))
            #expect(listed.isEmpty)
        }
    }

    @Test func verbsOnAStackStopStartRestartExecAndInspect() async throws {
        try await AgentHarness.with { harness in
            let file = try Self.write("""
                name: verbs
                services:
                  app:
                    command: ["/bin/sleep", "600"]
                    deploy:
                      replicas: 2
                """, in: harness.directory)
            #expect(try await harness.cli(["up", "-d", "--wait", "-f", file]).status == 0)
            // An unchanged re-apply is a no-op.
            let again = try await harness.cli(["up", "-d", "-f", file])
            #expect(again.status == 0)
            #expect(again.stdout.contains("up to date"), "\(again.stdout)")

            let exec = try await harness.cli(["exec", "-p", "verbs", "app/2", "--", "/bin/sh", "-c", "echo $AICORE_INSTANCE; exit 4"])
            #expect(exec.stdout == "verbs-app-2\n")
            #expect(exec.status == 4, "exec exits with the command's status")

            let inspect = try await harness.cli(["inspect", "verbs-app-1"])
            let detail = try ControlAPI.decoder.decode(InstanceStatus.self, from: Data(inspect.stdout.utf8))
            #expect(detail.stats != nil)
            #expect(detail.events?.contains { $0.type == "started" } == true)

            let pids = try await harness.instances("verbs").compactMap(\.pid)
            #expect(try await harness.cli(["stop", "-p", "verbs", "app"]).status == 0)
            let stopped = try await harness.instances("verbs")
            #expect(stopped.allSatisfy { $0.desired == .stopped && $0.state == .exited }, "\(stopped)")
            #expect(try await harness.cli(["ps", "-p", "verbs"]).stdout.split(separator: "\n").count == 1, "ps without -a hides stopped instances")
            // Stopped stays stopped across an agent restart.
            await harness.kill()
            try await harness.start()
            #expect(try await harness.instances("verbs").allSatisfy { $0.desired == .stopped })

            #expect(try await harness.cli(["start", "-p", "verbs", "app"]).status == 0)
            try await waitUntil("both replicas run again") {
                let now = try await harness.instances("verbs")
                return now.count == 2 && now.allSatisfy { $0.state == .running && $0.desired == .running }
            }
            let restartedPIDs = try await harness.instances("verbs").compactMap(\.pid)
            #expect(Set(restartedPIDs).isDisjoint(with: pids))

            #expect(try await harness.cli(["restart", "-p", "verbs", "app"]).status == 0)
            try await waitUntil("both replicas run after restart") {
                let now = try await harness.instances("verbs")
                return now.count == 2 && now.allSatisfy { $0.state == .running } && Set(now.compactMap(\.pid)).isDisjoint(with: restartedPIDs)
            }
            let unknown = try await harness.cli(["restart", "-p", "verbs", "nope"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("stack verbs has no service nope"), "\(unknown.stderr)")
            #expect(try await harness.cli(["down", "-p", "verbs"]).status == 0)
            #expect(try await harness.cli(["down", "-p", "verbs"]).status == 2, "a stack that is not there is the user's mistake")
        }
    }

    /// The one end-to-end run of volumes and events over `down`: everything else of them is in
    /// VolumeCLITests (scripted agent) and ControlAPITests (real control plane).
    @Test func aVolumeOutlivesDownUntilDownVAndARecreatedStackHasNoOldEvents() async throws {
        try await AgentHarness.with { harness in
            let file = try Self.write("""
                name: vols
                services:
                  app:
                    command: ["/bin/sh", "-c", "echo kept > /mnt/proof; exec /bin/sleep 600"]
                    volumes: [data:/mnt]
                volumes:
                  data: {}
                """, in: harness.directory)
            @Sendable func events() async throws -> [EventMessage] {
                let inspect = try await harness.cli(["inspect", "vols-app-1"])
                try #require(inspect.status == 0, "\(inspect.stderr)")
                return try ControlAPI.decoder.decode(InstanceStatus.self, from: Data(inspect.stdout.utf8)).events ?? []
            }
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            try #require(up.status == 0, "\(up.stderr)")
            let proof = harness.directory + "/state/volumes/vols_data/proof"
            try await waitUntil("the workload wrote into its volume") { FileIO.exists(proof) }

            let ls = try await harness.cli(["volume", "ls"])
            #expect(ls.status == 0, "\(ls.stderr)")
            let rows = ls.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.count == 2 && rows.first == ["NAME", "STACK", "USED", "BY", "CREATED"], "\(ls.stdout)")
            #expect(rows.last?.prefix(3) == ["vols_data", "vols", "vols"], "\(ls.stdout)")
            #expect(rows.last?.last?.contains(#/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/#) == true, "\(ls.stdout)")

            let busy = try await harness.cli(["volume", "rm", "vols_data"])
            #expect(busy.status == 1)
            #expect(busy.stderr == "aicore-node: volume vols_data is in use by stack vols (service app); remove it after `aicore-node down -p vols`\n")
            let before = Set(try await events().compactMap(\.id))
            #expect(!before.isEmpty)

            #expect(try await harness.cli(["down", "-p", "vols"]).status == 0)
            #expect(try await harness.cli(["volume", "ls", "-q"]).stdout == "vols_data\n", "a plain down keeps the volume")
            #expect(FileIO.exists(proof))
            let downV = try await harness.cli(["down", "-v", "-p", "vols"])
            #expect(downV.status == 0, "\(downV.stderr)")
            #expect(downV.stdout == "removed volume vols_data\nstack vols: down, volumes removed\n")
            #expect(try await harness.cli(["volume", "ls", "-q"]).stdout.isEmpty)
            #expect(!FileIO.exists(harness.directory + "/state/volumes/vols_data"))
            let gone = try await harness.cli(["down", "-v", "-p", "vols"])
            #expect(gone.status == 2)
            #expect(gone.stderr == "aicore-node: no stack vols on this node; `aicore-node ps` lists the stacks\n")

            // The same stack again: its instance's history starts afresh.
            try #require(try await harness.cli(["up", "-d", "--wait", "-f", file]).status == 0)
            let after = try await events()
            #expect(!after.isEmpty && after.allSatisfy { !before.contains($0.id ?? -1) }, "\(after)")
            #expect(after.filter { $0.type == "started" }.count == 1, "\(after)")
        }
    }

    @Test func withoutAnAgentVerbsSayWhereTheyLookedInOneLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-noagent-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["AICORE_HOST"] = directory + "/absent.sock"
        let absent = environment
        let ps = try await offload { try CommandRunner.run(["ps"], environment: absent) }
        #expect(ps.status == 1)
        #expect(ps.stderr.split(separator: "\n").count == 1)
        #expect(ps.stderr.contains("cannot reach the agent at unix://\(directory)/absent.sock"), "\(ps.stderr)")
    }

    @Test func upWithNoAgentRunsOneInTheForegroundAndCtrlCStopsTheStack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-embedded-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.write("""
            name: embedded
            services:
              app:
                command: ["/bin/sh", "-c", "echo hello from app; exec /bin/sleep 600"]
                # The test's host network: no bridge is made on it.
                network_mode: host
            """, in: directory)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "AICORE_HOST")
        // Run from the stack's directory: the embedded agent keeps its state in ./.aicore, and
        // the verbs find its socket there when no system agent runs.
        let up = try ChildProcess.spawn("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" up -f stack.yml --state-dir \"$0/.aicore\" >\"$0/up.log\" 2>&1",
                                                    directory, CommandRunner.binary], environment: environment, discardOutput: true)
        var pid: Int32?
        do {
            try await waitUntil("the embedded agent runs the stack") {
                var env = environment
                env["AICORE_HOST"] = directory + "/.aicore/aicore.sock"
                let query = env
                let ps = try await offload { try CommandRunner.run(["ps", "--format", "json"], environment: query) }
                guard ps.status == 0, let list = try? ControlAPI.decoder.decode([InstanceStatus].self, from: Data(ps.stdout.utf8)) else { return false }
                pid = list.first { $0.id == "embedded-app-1" && $0.state == .running }?.pid
                let log = (try? String(contentsOfFile: directory + "/up.log", encoding: .utf8)) ?? ""
                return pid != nil && log.contains("stack embedded: every service is up") && log.contains("| hello from app")
            }
        } catch {
            up.signal(SIGKILL)
            _ = try? await offload { up.waitForExit() }
            let log = (try? String(contentsOfFile: directory + "/up.log", encoding: .utf8)) ?? ""
            Issue.record("\(error): \(log)")
            return
        }
        up.signal(SIGINT)
        let ended = try await offload { up.waitForExit() }
        #expect(ended.status == 0, "up exits 0 on Ctrl-C")
        if let pid { #expect(!StackEndToEndTests.isRunning(pid), "Ctrl-C stops the stack") }
        let log = (try? String(contentsOfFile: directory + "/up.log", encoding: .utf8)) ?? ""
        #expect(log.contains("no agent running; starting one here"), "\(log)")
        #expect(log.contains("stack embedded: every service is up"), "\(log)")
        #expect(log.contains("embedded-app-1 | hello from app"), "the stack's logs follow its progress: \(log)")
    }

    @Test func overTLSTheCLIUsesTheTokenAndTrustsOnlyTheGivenCertificate() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            let certificate = harness.directory + "/agent.crt", key = harness.directory + "/agent.key"
            let made = try await run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                                 "-subj", "/CN=aicore-test", "-addext", "subjectAltName=IP:127.0.0.1",
                                                                 "-keyout", key, "-out", certificate])
            try #require(made.status == 0, "openssl: \(made.stderr)")
            let token = "0123456789abcdef0123456789abcdef"
            try token.write(toFile: harness.directory + "/token", atomically: true, encoding: .utf8)
            // The agent refuses secrets that others could read.
            #expect(chmod(harness.directory + "/token", 0o600) == 0 && chmod(key, 0o600) == 0)
            let port = try TestPort.next()
            try await harness.start(["--listen", "127.0.0.1:\(port)", "--token-file", harness.directory + "/token",
                               "--tls-cert", certificate, "--tls-key", key])
            var remote = ["AICORE_HOST": "https://127.0.0.1:\(port)", "AICORE_TOKEN": token, "AICORE_TLS_CA": certificate]
            let ps = try await harness.cli(["ps"], environment: remote)
            #expect(ps.status == 0, "\(ps.stderr)")
            #expect(ps.stdout.hasPrefix("NAME"))

            remote["AICORE_TOKEN"] = "wrong-token-wrong-token"
            let wrongToken = try await harness.cli(["ps"], environment: remote)
            #expect(wrongToken.status == 1)
            #expect(wrongToken.stderr.contains("bearer token is wrong"), "\(wrongToken.stderr)")

            remote["AICORE_TOKEN"] = token
            remote["AICORE_TLS_CA"] = ""
            let untrusted = try await harness.cli(["ps"], environment: remote)
            #expect(untrusted.status == 1, "a certificate nobody vouches for is refused")
            #expect(untrusted.stderr.split(separator: "\n").count == 1, "\(untrusted.stderr)")

            remote["AICORE_HOST"] = "http://127.0.0.1:\(port)"
            #expect(try await harness.cli(["ps"], environment: remote).status == 1, "plain HTTP to the TLS port fails")
        }
    }
}
