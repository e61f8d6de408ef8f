import AICoreOS
import AICoreServer
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Rollouts on a real agent: three replicas of aicore-sample-api behind the agent's proxy on a
/// published loopback port, a load generator of our own sending requests through it, and the
/// version changed by re-applying the stack file.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct RolloutEndToEndTests {
    struct Version {
        var name: String
        var environment: [String: String] = [:]
        /// Replaces the command (the sample API's path is `SAMPLE`).
        var command: [String]?
        /// Extra `deploy:` lines (indented by the caller's 6 spaces).
        var deploy: [String] = []
    }

    /// The stack file: `api` ×3 on `port`, ready once `/health/live` answers, rolled with at
    /// most one extra replica and none unavailable.
    static func stackFile(sampleAPI: String, port: Int, _ version: Version, progressDeadline: String = "20s") -> String {
        let command = (version.command ?? ["SAMPLE"]).map { "\"\($0.replacingOccurrences(of: "SAMPLE", with: sampleAPI))\"" }
        var environment = ["AICORE_SAMPLE_VERSION": version.name]
        for (key, value) in version.environment { environment[key] = value }
        return """
        name: roll
        services:
          api:
            command: [\(command.joined(separator: ", "))]
            environment:
        \(environment.sorted { $0.key < $1.key }.map { "      \($0.key): \"\($0.value)\"" }.joined(separator: "\n"))
            ports: ["127.0.0.1:\(port):3000"]
            stop_grace_period: 5s
            restart: on-failure
            deploy:
              replicas: 3
        \(version.deploy.map { "      " + $0 }.joined(separator: "\n"))
            x-aicore:
              port_env: PORT
              probes:
                readiness: {http_get: {path: /health/live}, initial_delay: 0, period: 1, timeout: 5, failure_threshold: 1}
              rollout: {max_surge: 1, max_unavailable: 0, progress_deadline: \(progressDeadline), drain_timeout: 10s}
              disruption_budget: {min_available: 2}

        """
    }

    /// The rollout status over the REST API (curl on the agent's socket).
    static func rollout(_ harness: AgentHarness, stack: String = "roll", service: String = "api") async throws -> RolloutStatus {
        let output = try await run("/usr/bin/curl", ["-sS", "--max-time", "10", "--unix-socket", harness.socket,
                                                      "http://agent/v1/stacks/\(stack)/services/\(service)/rollout"])
        return try ControlAPI.decoder.decode(RolloutStatus.self, from: Data(output.stdout.utf8))
    }

    /// Polls until the rollout has ended, sampling how many replicas are ready meanwhile.
    /// `within`: only the whole AI-CORE stack (StackEndToEndTests) needs longer than the default bound.
    static func awaitRollout(_ harness: AgentHarness, revision: Int, stack: String = "roll", service: String = "api",
                             within limit: Duration = .seconds(120)) async throws -> (RolloutStatus, fewestReady: Int) {
        var fewest = Int.max
        var last: RolloutStatus?
        defer { if let last { print("rollout: last status \(last)") } }
        try await waitUntil("the rollout to revision \(revision) ends", within: limit) {
            let instances = try await harness.instances(stack).filter { $0.service == service }
            let ready = instances.filter(\.ready).count
            if ready < fewest {
                fewest = ready
                print("rollout: \(ready) ready: " + instances.map { "\($0.id) \($0.state) ready=\($0.ready) \($0.specHash ?? "-")" }.joined(separator: ", "))
            }
            let status = try await rollout(harness, stack: stack, service: service)
            last = status
            return status.isFinished && (status.revision >= revision || status.state != "complete")
        }
        return (try #require(last), fewest)
    }

    /// The running stack of one test: its agent, published port and stack file.
    struct Rig {
        let harness: AgentHarness
        let port: Int
        let sampleAPI: String
        let file: String
        let progressDeadline: String

        /// Writes `version` as the stack file and applies it (`up -d`: the rollout goes on in
        /// the background).
        func roll(to version: Version) async throws -> CommandRunner.Result {
            try stackFile(sampleAPI: sampleAPI, port: port, version, progressDeadline: progressDeadline)
                .write(toFile: file, atomically: true, encoding: .utf8)
            return try await harness.cli(["up", "-d", "-f", file])
        }
    }

    /// A fresh agent running `first` (up and ready), handed to `body`, then taken down.
    static func withStack(_ first: Version, progressDeadline: String = "20s",
                          _ body: (AgentHarness, Rig) async throws -> Void) async throws {
        let sampleAPI = try StackEndToEndTests.installSampleAPI()
        defer { sampleAPI.cleanup() }
        try await AgentHarness.with { harness in
            let rig = Rig(harness: harness, port: try TestPort.next(), sampleAPI: sampleAPI.path,
                          file: harness.directory + "/roll.yml", progressDeadline: progressDeadline)
            try stackFile(sampleAPI: sampleAPI.path, port: rig.port, first, progressDeadline: progressDeadline)
                .write(toFile: rig.file, atomically: true, encoding: .utf8)
            let up = try await harness.cli(["up", "-d", "--wait", "--wait-timeout", "120", "-f", rig.file])
            try #require(up.status == 0, "up failed: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            try await body(harness, rig)
        }
    }

    @Test func aRolloutUnderLoadDropsNothingAndEndsOnTheNewVersion() async throws {
        try await Self.withStack(Version(name: "1")) { harness, rig in
            let port = rig.port

            let load = LoadGenerator(port: port)
            try await waitUntil("requests flow") { load.current.succeeded > 50 }
            let apply = try await rig.roll(to: Version(name: "2"))
            try #require(apply.status == 0, "re-apply failed: \(apply.stderr)")
            let (status, fewestReady) = try await Self.awaitRollout(harness, revision: 2)
            #expect(status.state == "complete", "\(status)\n\(harness.agentLog.suffix(3000))")
            let cli = try await harness.cli(["rollout", "status", "-p", "roll", "api"])
            #expect(cli.status == 0 && cli.stdout.contains("complete"), "\(cli.stdout)\(cli.stderr)")
            // max_unavailable 0, max_surge 1: never fewer than 3 ready, one extra at most.
            #expect(fewestReady >= 3)
            let during = await load.stop()
            #expect(during.failed == 0, "failed requests during the rollout: \(during.failures)")
            #expect(during.succeeded > 100)
            #expect(during.versions["1", default: 0] > 0 && during.versions["2", default: 0] > 0)

            // Afterwards every answer comes from the new version.
            let after = LoadGenerator(port: port, workers: 2)
            try await waitUntil("requests flow again") { after.current.succeeded > 100 }
            let tally = await after.stop()
            #expect(tally.failed == 0 && tally.versions.keys.sorted() == ["2"], "\(tally)")
            let instances = try await harness.instances("roll").filter { $0.service == "api" }
            #expect(instances.count == 3 && instances.allSatisfy(\.ready))
            #expect(Set(instances.compactMap(\.specHash)) == [status.specHash])
        }
    }

    @Test func aVersionThatNeverTurnsReadyIsRolledBackWithoutAFailedRequest() async throws {
        try await Self.withStack(Version(name: "1"), progressDeadline: "8s") { harness, rig in
            let port = rig.port

            let load = LoadGenerator(port: port)
            // Version 2 accepts connections and never answers, health checks included.
            let bad = Version(name: "2", environment: ["AICORE_SAMPLE_HANG": "1"])
            #expect(try await rig.roll(to: bad).status == 0)
            let (status, fewestReady) = try await Self.awaitRollout(harness, revision: 2)
            #expect(status.state == "rolled_back", "\(status)")
            #expect(status.reason?.contains("progress_deadline") == true, "\(status)")
            #expect(fewestReady >= 3)
            // `rollout status` says so: exit 1, one line with the reason.
            let cli = try await harness.cli(["rollout", "status", "-p", "roll", "api"])
            #expect(cli.status == 1)
            #expect((cli.stdout + cli.stderr).contains("progress_deadline"), "\(cli.stdout)\(cli.stderr)")
            let tally = await load.stop()
            #expect(tally.failed == 0, "failed requests: \(tally.failures)")
            #expect(tally.versions.keys.sorted() == ["1"])
            // The stack's desired state is version 1 again.
            let inspect = try await harness.cli(["ps", "-p", "roll", "--format", "json"])
            #expect(inspect.status == 0)
            let instances = try await harness.instances("roll").filter { $0.service == "api" }
            #expect(instances.count == 3 && instances.allSatisfy(\.ready))
            #expect(Set(instances.compactMap(\.specHash)) == [status.specHash])
        }
    }

    @Test func aVersionThatCrashesDuringMonitorIsRolledBack() async throws {
        // All three new replicas at once, then watched for 20 s.
        let update = ["update_config: {parallelism: 3, order: start-first, monitor: 20s, failure_action: rollback}"]
        try await Self.withStack(Version(name: "1", deploy: update)) { harness, rig in
            // Version 2 serves, turns ready, and dies 6 s after it started.
            let crashing = Version(name: "2", command: ["/bin/sh", "-c", "SAMPLE & sleep 6; kill -9 $$!; exit 1"], deploy: update)
            #expect(try await rig.roll(to: crashing).status == 0)
            let (status, _) = try await Self.awaitRollout(harness, revision: 2)
            #expect(status.state == "rolled_back", "\(status)")
            #expect(status.reason?.contains("failed") == true, "\(status)")
            let instances = try await harness.instances("roll").filter { $0.service == "api" }
            #expect(instances.count == 3 && instances.allSatisfy(\.ready))
        }
    }

    @Test func longRequestsOnLeavingReplicasCompleteAndABudgetBlocksARestart() async throws {
        // Every answer of version 1 takes 3 s.
        let slow = Version(name: "1", environment: ["AICORE_SAMPLE_DELAY_MS": "3000"])
        try await Self.withStack(slow) { harness, rig in
            let port = rig.port

            // The disruption budget (min_available 2) refuses a restart of every replica at once.
            let restart = try await harness.cli(["restart", "-p", "roll", "api"])
            #expect(restart.status != 0)
            #expect(restart.stderr.contains("disruption_budget"), "\(restart.stderr)")

            // Long requests in flight on every replica, then the rollout.
            // Blocking sockets: on Dispatch threads, never on the cooperative pool other tests share.
            let requests = (0..<6).map { _ in
                Task { try await offload { LoadGenerator.request(port: port, path: "/version", timeoutSeconds: 30) } }
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await rig.roll(to: Version(name: "2")).status == 0)
            for request in requests {
                let outcome = try await request.value
                switch outcome {
                case let .success(version): #expect(version == "1")
                case let .failure(failure): Issue.record("a request in flight was cut: \(failure)")
                }
            }
            let (status, _) = try await Self.awaitRollout(harness, revision: 2)
            #expect(status.state == "complete", "\(status)")
        }
    }

    @Test func aRolloutSurvivesAKilledAgentWithoutOrphansOrDuplicates() async throws {
        try await Self.withStack(Version(name: "1")) { harness, rig in
            // Version 2 is slow to become ready (3 s of delay on every answer, health included),
            // so the agent dies with old and new replicas side by side.
            let slow = Version(name: "2", environment: ["AICORE_SAMPLE_DELAY_MS": "3000"])
            #expect(try await rig.roll(to: slow).status == 0)
            try await waitUntil("a new replica runs") {
                let status = try await Self.rollout(harness)
                return status.state == "progressing" && status.updated >= 1
            }
            await harness.kill()
            try await harness.start()
            let (status, _) = try await Self.awaitRollout(harness, revision: 2)
            #expect(status.state == "complete", "\(status)\n\(harness.agentLog.suffix(3000))")
            let instances = try await harness.instances("roll").filter { $0.service == "api" }
            #expect(instances.count == 3)
            #expect(Set(instances.compactMap(\.specHash)) == [status.specHash])
            // No replica left behind by the killed agent: exactly three sample APIs run.
            let processes = try await run("/usr/bin/pgrep", ["-f", "-x", rig.sampleAPI])
            #expect(processes.stdout.split(separator: "\n").count == 3, "\(processes.stdout)")
        }
    }

    @Test func killingAReplicaUnderLoadFailsAlmostNothing() async throws {
        try await Self.withStack(Version(name: "1")) { harness, rig in
            let port = rig.port

            let load = LoadGenerator(port: port)
            try await waitUntil("requests flow") { load.current.succeeded > 200 }
            let victim = try #require(try await harness.instances("roll").first { $0.id == "roll-api-2" })
            let pid = try #require(victim.pid)
            let killedAt = load.elapsed
            #expect(kill(pid, SIGKILL) == 0)
            try await waitUntil("roll-api-2 is restarted and ready") {
                let now = try await harness.instances("roll").first { $0.id == "roll-api-2" }
                return now?.restarts == 1 && now?.ready == true
            }
            let backAt = load.elapsed
            try await waitUntil("requests flow after the restart") { load.current.succeeded > 6_000 }
            let tally = await load.stop()
            let ratio = Double(tally.failed) / Double(max(tally.succeeded + tally.failed, 1))
            print("failover: killed at \(killedAt) ms, back at \(backAt) ms; \(tally.succeeded) answered, "
                  + "\(tally.failed) failed (\(ratio * 100)%): \(tally.failures)")
            #expect(ratio < 0.001, "\(tally.failed) of \(tally.succeeded + tally.failed) failed: \(tally.failures)")
            // Only requests that reached the killed replica before its sockets were gone can fail:
            // each ended after the kill and was sent before the replica came back. Nothing fails
            // on the survivors, and the restarted replica takes traffic only once ready. The
            // bound is on when failures happen, not on how many each worker sees: a loaded CI
            // run once counted five with four workers, which we could not reproduce; the times
            // printed above say where any failure fell.
            let outside = tally.failures.filter { $0.failedAt < killedAt || $0.sentAt > backAt }
            #expect(outside.isEmpty, "failures outside the failover (killed at \(killedAt) ms, back at \(backAt) ms): \(outside)")
        }
    }
}
