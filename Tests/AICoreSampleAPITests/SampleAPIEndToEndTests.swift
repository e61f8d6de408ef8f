import AICoreTestSupport
import Foundation
import Testing

/// The real `aicore-sample-api` binary against a real PostgreSQL 15 and Redis from Debian, on
/// loopback, checked over HTTP as a prober or a user would.
@Suite(
    .serialized,
    .enabled(
        if: PostgresServer.isInstalled && RedisServer.isInstalled,
        "SKIPPED: needs PostgreSQL 15 and redis-server from Debian (scripts/bootstrap.sh installs them)")
)
struct SampleAPIEndToEndTests {
    @Test func servesCountsRequestsForRealAndFollowsRedis() async throws {
        let postgres = try await offload { try PostgresServer() }
        defer { postgres.stop() }
        let redis = try await offload { try RedisServer() }
        defer { redis.stop() }
        let api = try SampleAPIProcess(environment: [
            "DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "AICORE_SAMPLE_VERSION": "9.8.7",
        ])
        defer { api.kill() }

        #expect(await api.waitFor("/health/live", status: 200), "not live: \(api.log)")
        let live = try await api.get("/health/live")
        #expect(try live.json()["status"] as? String == "live")
        #expect(await api.waitFor("/health/ready", status: 200), "never ready: \(api.log)")
        #expect(try await api.get("/health").status == 200, "/health answers as /health/ready")

        let version = try await api.get("/version").json()
        #expect(version["version"] as? String == "9.8.7")
        #expect(version["pid"] as? Int == Int(api.child.pid))
        #expect((version["instance"] as? String)?.isEmpty == false)

        let first = try await api.get("/")
        #expect(first.status == 200, "\(first.body)")
        let second = try await api.get("/work").json()
        let firstBody = try first.json()
        let redisCount = try #require(second["redis_requests"] as? Int)
        let postgresCount = try #require(second["postgres_requests"] as? Int)
        #expect(redisCount == (firstBody["redis_requests"] as? Int).map { $0 + 1 })
        #expect(postgresCount == (firstBody["postgres_requests"] as? Int).map { $0 + 1 })
        #expect(second["version"] as? String == "9.8.7")
        // The counters are real: read them back directly.
        #expect(try await offload { try redis.cli(["GET", "aicore:requests"]) } == "\(redisCount)")
        #expect(try await offload { try postgres.sql("SELECT count(*) FROM requests") } == "\(postgresCount)")
        #expect(try await offload { try postgres.sql("SELECT count(DISTINCT instance) FROM requests") } == "1")
        // One plain line per request.
        #expect(api.log.contains("GET /work 200"), "\(api.log)")

        try await offload { redis.stop() }
        #expect(await api.waitFor("/health/ready", status: 503), "still ready without redis: \(api.log)")
        #expect(try await api.get("/health").status == 503, "/health answers as /health/ready")
        let notReady = try await api.get("/health/ready").json()
        #expect((notReady["reason"] as? String)?.contains("redis") == true, "\(notReady)")
        #expect((notReady["postgres"] as? [String: Any])?["ok"] as? Bool == true)
        #expect(try await api.get("/health/live").status == 200)
        #expect(try await api.get("/").status == 503)

        try await offload { try redis.start() }
        #expect(await api.waitFor("/health/ready", status: 200), "not ready after redis came back: \(api.log)")
        #expect(try await api.get("/").status == 200)
    }

    @Test func startsWithoutItsDependenciesAndBecomesReadyWhenTheyArrive() async throws {
        let postgresPort = try TestPort.next()
        let redisPort = try TestPort.next()
        let api = try SampleAPIProcess(environment: [
            "DATABASE_URL": "postgres://aicore:test-pa%24%24word@127.0.0.1:\(postgresPort)/aicore_test",
            "REDIS_URL": "redis://127.0.0.1:\(redisPort)",
        ])
        defer { api.kill() }
        #expect(await api.waitFor("/health/live", status: 200), "not live: \(api.log)")
        let ready = try await api.get("/health/ready")
        #expect(ready.status == 503)
        let reason = try ready.json()["reason"] as? String ?? ""
        #expect(reason.contains("postgres:") && reason.contains("redis:"), "\(reason)")
        // The real cause, not a timeout: nothing listens on either port.
        #expect(reason.components(separatedBy: "Connection refused").count == 3, "\(reason)")
        #expect(api.exitStatus() == nil)

        let postgres = try await offload { try PostgresServer(port: postgresPort) }
        defer { postgres.stop() }
        let redis = try await offload { try RedisServer(port: redisPort) }
        defer { redis.stop() }
        #expect(await api.waitFor("/health/ready", status: 200, within: .seconds(60)), "\(api.log)")
        #expect(try await api.get("/").status == 200)
        #expect(try await offload { try postgres.sql("SELECT count(*) FROM requests") } == "1")
    }

    @Test func neverReadyHoldsReadinessOffUntilSwitchedBack() async throws {
        let postgres = try await offload { try PostgresServer() }
        defer { postgres.stop() }
        let redis = try await offload { try RedisServer() }
        defer { redis.stop() }
        let api = try SampleAPIProcess(environment: [
            "DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "AICORE_SAMPLE_NEVER_READY": "1",
        ])
        defer { api.kill() }
        #expect(await api.waitFor("/health/live", status: 200), "not live: \(api.log)")
        // The dependencies answer (the work endpoint succeeds once the API has connected to
        // them, which "live" does not wait for), yet readiness stays off.
        #expect(await api.waitFor("/", status: 200), "the work endpoint never answered: \(api.log)")
        let ready = try await api.get("/health/ready")
        #expect(ready.status == 503)
        #expect((try ready.json()["reason"] as? String)?.contains("AICORE_SAMPLE_NEVER_READY") == true)

        let switched = try await HTTPProbe.request(
            "PUT", port: api.port, path: "/fault", body: #"{"never_ready": false}"#, timeout: .seconds(5))
        #expect(switched.status == 200, "\(switched.body)")
        #expect(await api.waitFor("/health/ready", status: 200), "\(api.log)")
    }

    @Test func crashAfterExitsOneThatLongAfterBecomingReady() async throws {
        let postgres = try await offload { try PostgresServer() }
        defer { postgres.stop() }
        let redis = try await offload { try RedisServer() }
        defer { redis.stop() }
        let api = try SampleAPIProcess(environment: [
            "DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "AICORE_SAMPLE_CRASH_AFTER": "1",
        ])
        defer { api.kill() }
        #expect(await api.waitFor("/health/ready", status: 200), "never ready: \(api.log)")
        let termination = await api.waitForExit(within: .seconds(30))
        #expect(termination == .exited(1), "\(api.log)")
    }

    @Test func delayMakesEveryResponseAtLeastThatSlow() async throws {
        let api = try SampleAPIProcess(environment: ["AICORE_SAMPLE_DELAY_MS": "400"] + Self.unreachableDependencies())
        defer { api.kill() }
        #expect(await api.waitFor("/health/live", status: 200), "not live: \(api.log)")
        let clock = ContinuousClock()
        let start = clock.now
        let live = try await api.get("/health/live")
        #expect(live.status == 200)
        #expect(clock.now - start >= .milliseconds(400))

        let switched = try await HTTPProbe.request(
            "PUT", port: api.port, path: "/fault", body: #"{"delay_ms": 0}"#, timeout: .seconds(5))
        #expect(try switched.json()["settings"].flatMap { ($0 as? [String: Any])?["delay_ms"] as? Int } == 0)
    }

    @Test func hangAcceptsButNeverAnswers() async throws {
        let api = try SampleAPIProcess(environment: ["AICORE_SAMPLE_HANG": "1"] + Self.unreachableDependencies())
        defer { api.kill() }
        // Wait for the listener (a connection is accepted), then see that nothing is answered.
        #expect(await eventually { (try? LoopbackConnection.probe(port: api.port)) == true }, "\(api.log)")
        await #expect(throws: (any Error).self) {
            _ = try await api.get("/health/live", timeout: .seconds(1))
        }
        await #expect(throws: (any Error).self) {
            _ = try await api.get("/health/ready", timeout: .seconds(1))
        }
        #expect(api.exitStatus() == nil, "the hung API exited: \(api.log)")
    }

    @Test func sigtermFinishesTheRequestInFlightAndExitsZero() async throws {
        let api = try SampleAPIProcess(
            environment: ["AICORE_SAMPLE_DELAY_MS": "1500", "LOG_LEVEL": "debug"] + Self.unreachableDependencies())
        defer { api.kill() }
        #expect(await api.waitFor("/health/live", status: 200, within: .seconds(60)), "not live: \(api.log)")
        let inFlight = Task { try await api.get("/version", timeout: .seconds(30)) }
        #expect(await eventually { api.log.contains("GET /version started") }, "\(api.log)")
        api.child.signal(SIGTERM)
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(await api.waitForExit(within: .seconds(30)) == .exited(0), "\(api.log)")
    }

    @Test func leakGrowsTheResidentSetSize() async throws {
        let api = try SampleAPIProcess(environment: ["AICORE_SAMPLE_LEAK_MB_PER_S": "32"] + Self.unreachableDependencies())
        defer { api.kill() }
        #expect(await api.waitFor("/health/live", status: 200), "not live: \(api.log)")
        #expect(await eventually { (Self.residentMegabytes(api.child.pid) ?? 0) >= 128 })
        let fault = try await api.get("/fault").json()
        #expect((fault["leaked_mb"] as? Int ?? 0) >= 64)
    }

    @Test func malformedDatabaseURLExitsTwoWithOneLine() async throws {
        let output = try await offload {
            try ChildProcess.run(
                SampleAPIProcess.binary, [],
                environment: ["PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://aicore:secret@postgres:fivefourthreetwo/db"])
        }
        #expect(output.status == 2)
        let lines = output.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(output.stderr)")
        #expect(output.stderr.contains("DATABASE_URL"), "\(output.stderr)")
        #expect(!output.stderr.contains("secret"))
        #expect(output.stdout.isEmpty)
    }

    // MARK: - Helpers

    /// Dependencies on ports where nothing listens: the API must still start and stay live.
    static func unreachableDependencies() -> [String: String] {
        let postgres = (try? TestPort.next()) ?? 1
        let redis = (try? TestPort.next()) ?? 1
        return ["DATABASE_URL": "postgres://nobody@127.0.0.1:\(postgres)/none", "REDIS_URL": "redis://127.0.0.1:\(redis)"]
    }

    static func residentMegabytes(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 / 1024 }
    }
}

extension Dictionary where Key == String, Value == String {
    static func + (left: Self, right: Self) -> Self { left.merging(right) { _, new in new } }
}
