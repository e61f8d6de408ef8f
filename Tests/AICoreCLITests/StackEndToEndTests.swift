import AICoreOS
import AICoreServer
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The AI-CORE reference stack on a real agent: Debian's PostgreSQL 15, Redis and nginx, and
/// three replicas of aicore-sample-api, each isolated, limited, probed and restarted by policy,
/// driven only through the `aicore-node` CLI.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct StackEndToEndTests {
    static var builtSampleAPI: String {
        URL(fileURLWithPath: CommandRunner.binary).deletingLastPathComponent().appendingPathComponent("aicore-sample-api").path
    }

    /// The sample API where an instance can run it. Every instance gets a private /tmp, so a
    /// checkout under the host's /tmp (CI clones there) is out of its sight: a copy goes to
    /// /var/tmp for the test's duration.
    static func installSampleAPI() throws -> (path: String, cleanup: () -> Void) {
        let directory = "/var/tmp/aicore-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let path = directory + "/aicore-sample-api"
        try FileManager.default.copyItem(atPath: builtSampleAPI, toPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return (path, { try? FileManager.default.removeItem(atPath: directory) })
    }

    @Test func theAICoreStackRunsEndToEnd() async throws {
        let sampleAPI = try Self.installSampleAPI()
        defer { sampleAPI.cleanup() }
        try await AgentHarness.with(startImmediately: false) { harness in
            // On bridge networks, in a network namespace of the test's: PostgreSQL on 5432 and
            // Redis on 6379 beside the host's own, which stay untouched.
            try await harness.start(ownNetwork: true)
            let nginxPort = try TestPort.next()
            let apiPort = try TestPort.next()
            let environment = ["AICORE_SAMPLE_API": sampleAPI.path, "NGINX_PORT": "\(nginxPort)", "API_PORT": "\(apiPort)",
                               // Five replicas must fit a 2-core CI machine.
                               "API_CPU_RESERVATION": "0.1", "API_MEMORY_RESERVATION": "64M"]

            // `up --wait` brings every service up in dependency order.
            let up = try await harness.cli(["up", "-d", "--wait", "--wait-timeout", "420", "-f", "config/stacks/ai-core.yml"], environment: environment)
            #expect(up.status == 0, "up failed: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            try #require(up.status == 0)
            var instances = try await harness.instances("ai-core")
            let byService = Dictionary(grouping: instances, by: \.service)
            #expect(byService["api"]?.count == 3)
            // Instance cgroups live under this agent's own root, never another agent's.
            #expect(Self.cgroupExists("\(LocalNode.cgroupRoot(stateDirectory: harness.directory + "/state"))/ai-core/api"))
            #expect(byService["api"]?.allSatisfy(\.ready) == true)
            #expect(byService["postgres"]?.first?.health == "healthy")
            #expect(byService["postgres-init"]?.first?.state == .exited)
            #expect(byService["postgres-init"]?.first?.lastExitCode == 0)
            #expect(byService["nginx"]?.first?.ready == true)
            #expect(byService["redis"]?.first?.ready == true)
            #expect(try await harness.cli(["ps"]).stdout.contains("ai-core-api-1"))
            // In dependency order: postgres-init completed before postgres started, and the API
            // started only once PostgreSQL and Redis were healthy (their `depends_on` conditions).
            func eventTime(_ instance: String, _ type: String) async throws -> String {
                let detail = try ControlAPI.decoder.decode(InstanceStatus.self, from: Data(try await harness.cli(["inspect", instance]).stdout.utf8))
                return try #require(detail.events?.first { $0.type == type }?.time, "\(instance) has no \(type) event")
            }
            let apiStarted = try await eventTime("ai-core-api-1", "started")
            #expect(try await eventTime("ai-core-postgres-1", "healthy") < apiStarted)
            #expect(try await eventTime("ai-core-redis-1", "healthy") < apiStarted)
            let postgresStarted = try await eventTime("ai-core-postgres-1", "started")
            #expect(try await eventTime("ai-core-postgres-init-1", "exited") < postgresStarted)

            // Through nginx, to the API (via the proxy on the api VIP), to PostgreSQL and Redis.
            var answers: [String] = []
            for _ in 0..<6 {
                let answer = try await harness.httpGet("http://127.0.0.1:\(nginxPort)/work")
                #expect(answer.status == 200, "GET /work through nginx: \(answer.status) \(answer.body)")
                answers.append(answer.body)
            }
            #expect(answers.allSatisfy { $0.contains("\"postgres_requests\"") && $0.contains("\"redis_requests\"") }, "\(answers)")
            // Directly through the published API port too; the proxy spreads over the replicas.
            var served: Set<String> = []
            for _ in 0..<12 {
                let answer = try await harness.httpGet("http://127.0.0.1:\(apiPort)/version")
                #expect(answer.status == 200)
                if let data = answer.body.data(using: .utf8),
                   let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let instance = object["instance"] as? String {
                    served.insert(instance)
                }
            }
            #expect(served.count == 3, "the proxy used \(served) of 3 replicas")
            // The proxy counted them, per route and per backend.
            let proxy = try await run("/usr/bin/curl", ["-sS", "--unix-socket", harness.socket, "http://localhost/v1/proxy"])
            let routes = try ControlAPI.decoder.decode([ProxyRouteStatus].self, from: Data(proxy.stdout.utf8))
            let apiRoute = try #require(routes.first { $0.route == "ai-core/api:3000" }, "\(proxy.stdout)")
            #expect(apiRoute.totalConnections >= 12)
            #expect(apiRoute.backends.filter(\.inRotation).count == 3)
            #expect(apiRoute.listeners.contains("0.0.0.0:\(apiPort)"))

            // kill -9 one replica: it is restarted by its policy, and `ps` says so.
            let victim = try #require(instances.first { $0.id == "ai-core-api-2" })
            let victimPID = try #require(victim.pid)
            #expect(Glibc.kill(victimPID, SIGKILL) == 0)
            try await waitUntil("ai-core-api-2 is restarted and ready", within: .seconds(180)) {
                let now = try await harness.instances("ai-core").first { $0.id == "ai-core-api-2" }
                return (now?.restarts ?? 0) >= 1 && now?.ready == true && now?.pid != victimPID
            }
            instances = try await harness.instances("ai-core")
            let restarted = try #require(instances.first { $0.id == "ai-core-api-2" })
            #expect(restarted.lastExit?.contains("SIGKILL") == true, "last exit: \(restarted.lastExit ?? "nil")")
            let table = try await harness.cli(["ps"]).stdout
            #expect(table.contains("RESTARTS"))

            // Scale out, then in.
            #expect(try await harness.cli(["scale", "-p", "ai-core", "api=5"]).status == 0)
            try await waitUntil("5 api replicas are ready", within: .seconds(240)) {
                try await harness.instances("ai-core").filter { $0.service == "api" && $0.ready }.count == 5
            }
            #expect(try await harness.cli(["scale", "-p", "ai-core", "api=2"]).status == 0)
            try await waitUntil("2 api replicas remain") {
                let api = try await harness.instances("ai-core").filter { $0.service == "api" }
                return api.count == 2 && api.allSatisfy(\.ready)
            }
            #expect(try await harness.httpGet("http://127.0.0.1:\(nginxPort)/work").status == 200)

            // A new API version rolls out under load through nginx, dropping nothing. (The file
            // says 3 replicas again: the rollout scales as it goes.)
            let load = LoadGenerator(port: nginxPort, path: "/work", namespace: harness.networkNamespace)
            try await waitUntil("requests flow through nginx") { load.current.succeeded > 20 }
            var newVersion = environment
            newVersion["VERSION"] = "2.0.0"
            let rollout = try await harness.cli(["up", "-d", "-f", "config/stacks/ai-core.yml"], environment: newVersion)
            #expect(rollout.status == 0, "re-apply: \(rollout.stderr)")
            let (status, fewestReady) = try await RolloutEndToEndTests.awaitRollout(harness, revision: 2, stack: "ai-core",
                                                                                    within: .seconds(300))
            #expect(status.state == "complete", "\(status)\n\(harness.agentLog.suffix(3000))")
            #expect(fewestReady >= 2, "the disruption budget (min_available 2) was broken")
            let tally = await load.stop()
            #expect(tally.failed == 0, "requests failed during the rollout: \(tally.failures)")
            let version = try await harness.httpGet("http://127.0.0.1:\(apiPort)/version")
            #expect(version.body.contains("2.0.0"), "\(version.body)")

            // Restart the agent (kill -9): no workload restarts, `ps` is unchanged.
            let before = try await harness.instances("ai-core").map { "\($0.id) \($0.pid ?? 0) \($0.restarts) \($0.state)" }
            await harness.kill()
            try await harness.start()
            try await waitUntil("every instance is re-adopted") {
                try await harness.instances("ai-core").map { "\($0.id) \($0.pid ?? 0) \($0.restarts) \($0.state)" } == before
            }
            #expect(try await harness.httpGet("http://127.0.0.1:\(nginxPort)/work").status == 200)

            // `down` leaves nothing behind; named volumes stay.
            let pids = try await harness.instances("ai-core").compactMap(\.pid)
            let down = try await harness.cli(["down", "-p", "ai-core"])
            #expect(down.status == 0, "down: \(down.stderr)")
            for pid in pids { #expect(!Self.isRunning(pid), "pid \(pid) survived down") }
            #expect(!Self.cgroupExists("\(LocalNode.cgroupRoot(stateDirectory: harness.directory + "/state"))/ai-core"),
                    "a cgroup of ai-core is left")
            let afterDown = try? await harness.httpGet("http://127.0.0.1:\(apiPort)/version")
            #expect(afterDown?.status != 200, "the proxy still listens on \(apiPort)")
            let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(!mounts.contains(harness.directory), "a mount under the agent's directory is left")
            let volume = harness.directory + "/state/volumes/ai-core_postgres_data"
            #expect(FileManager.default.fileExists(atPath: volume), "down removed the named volume")
            #expect(try await harness.cli(["ps", "-p", "ai-core"]).stdout.split(separator: "\n").count <= 1)

            // `down -v` removes the named volumes too.
            let small = harness.directory + "/small.yml"
            try """
                name: ai-core
                services:
                  keeper:
                    command: ["/bin/sleep", "600"]
                    volumes: ["postgres_data:/var/lib/postgresql"]
                volumes:
                  postgres_data: {}
                """.write(toFile: small, atomically: true, encoding: .utf8)
            #expect(try await harness.cli(["up", "-d", "--wait", "-f", small]).status == 0)
            #expect(try await harness.cli(["down", "-v", "-p", "ai-core"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: volume), "down -v kept the named volume")
        }
    }

    /// Exists and is not a zombie: an init re-parented to a PID 1 that does not reap (as on
    /// these CI machines) stays a zombie after it exited.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    static func cgroupExists(_ relative: String) -> Bool {
        let roots = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpu,cpuacct"]
        return roots.contains { FileManager.default.fileExists(atPath: $0 + "/" + relative) }
    }
}
