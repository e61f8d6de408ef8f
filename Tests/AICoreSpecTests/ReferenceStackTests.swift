import Foundation
import Testing

@testable import AICoreSpec

/// The stacks users meet first: ours, the seed it comes from, and 39 real-world Compose files.
@Suite struct ReferenceStackTests {
    static var aiCoreStackPath: String {
        // Tests/AICoreSpecTests/ReferenceStackTests.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/stacks/ai-core.yml").path
    }

    @Test("the AI-CORE reference stack validates cleanly, even with --strict")
    func aiCoreStackIsClean() throws {
        var options = StackLoadOptions(files: [Self.aiCoreStackPath], strict: true, environment: [:])
        // Its mount targets exist once Debian's postgresql, redis and nginx are installed.
        options.hostPathExists = { _ in true }
        let loaded = try StackLoader.load(options)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let stack = loaded.stack
        #expect(stack.name == "ai-core")
        #expect(stack.services.map(\.name) == ["api", "nginx", "postgres", "postgres-init", "redis"])
    }

    @Test("the reference stack keeps the seed's semantics and adds the Kubernetes ones")
    func aiCoreStackSemantics() throws {
        let stack = try StackLoader.load(StackLoadOptions(files: [Self.aiCoreStackPath], environment: [:])).stack
        let api = try #require(stack.service(named: "api"))
        #expect(api.deploy.replicas == 3)
        #expect(api.deploy.limits.cpus == 2)
        #expect(api.deploy.limits.memory == ByteSize(bytes: 2 << 30))
        #expect(api.restart == RestartPolicy(condition: .onFailure, delay: .seconds(5), maxAttempts: 3))
        #expect(api.dependsOn.map(\.condition) == [.serviceHealthy, .serviceHealthy])
        #expect(api.healthcheck?.interval == .seconds(30))
        #expect(api.healthcheck?.startPeriod == .seconds(40))
        #expect(api.aicore.rollout.maxSurge == .percent(25))
        #expect(api.aicore.rollout.maxUnavailable == .percent(25))
        #expect(api.aicore.autoscale == AutoscaleSettings(
            min: 3, max: 20, cpuPercent: 70, memoryPercent: 80, requestsPerSecond: 1000,
            scaleDownStabilization: .seconds(300), scaleUpStabilization: .zero))
        #expect(api.aicore.disruptionBudget == .minAvailable(.count(2)))
        #expect(api.aicore.probes.liveness?.action == .httpGet(path: "/health/live", port: nil, headers: [:]))
        #expect(api.aicore.probes.readiness?.action == .httpGet(path: "/health/ready", port: nil, headers: [:]))
        #expect(api.aicore.probes.startup?.failureThreshold == 30)
        #expect(api.capDrop == ["ALL"])
        #expect(api.readOnly)

        let postgres = try #require(stack.service(named: "postgres"))
        #expect(postgres.dependsOn == [ServiceDependency(service: "postgres-init", condition: .serviceCompletedSuccessfully)])
        #expect(postgres.deploy.limits.memory == ByteSize(bytes: 8 << 30))
        let redis = try #require(stack.service(named: "redis"))
        #expect(redis.command?.last?.contains("--appendonly yes --maxmemory 1gb --maxmemory-policy allkeys-lru") == true)
        let nginx = try #require(stack.service(named: "nginx"))
        #expect(nginx.ports.first?.published == 8080...8080)
        #expect(nginx.volumes.first?.kind == .bind)
        #expect(nginx.volumes.first?.readOnly == true)
    }

    @Test("the seed's compose file loads once its build context has a Dockerfile; `build` is its api's image recipe")
    func seedComposeFile() throws {
        let project = try Self.projectWithContexts(StackFixture.resources + "/seed/docker-compose.prod.yml")
        defer { project.fixture.remove() }
        let loaded = try StackLoader.load(StackLoadOptions(files: [project.file], environment: [:]))
        let api = try #require(loaded.stack.service(named: "api"))
        #expect(api.image == "ai-core/api:latest")
        #expect(api.build?.target == "runner")
        #expect(api.build?.context == project.fixture.baseDirectory)
        #expect(api.build?.dockerfile == project.fixture.baseDirectory + "/Dockerfile")
        #expect(!loaded.warnings.contains { $0.keyPath.hasPrefix("services.api.build") })
    }

    /// A copy of the stack file at `path` in a fresh directory, with every build context and
    /// Dockerfile it names made there, as a checkout has them: each found from the loader's own
    /// located warning about it.
    static func projectWithContexts(_ path: String) throws -> (fixture: StackFixture, file: String) {
        let fixture = try StackFixture()
        let name = URL(fileURLWithPath: path).lastPathComponent
        let file = try fixture.write(name, try String(contentsOfFile: path, encoding: .utf8))
        for _ in 0..<4 {
            let loaded = try StackLoader.load(StackLoadOptions(files: [file], environment: [:]))
            let missing = loaded.warnings.filter { $0.kind == .composeHabit && $0.keyPath.contains(".build") }
            guard !missing.isEmpty else { break }
            for warning in missing {
                let message = warning.message
                if let missing = Self.path(in: message, between: "the build context ", and: " does not exist") {
                    try FileManager.default.createDirectory(atPath: missing, withIntermediateDirectories: true)
                } else if let context = Self.path(in: message, between: "the build context ", and: " has no Dockerfile") {
                    try "FROM scratch\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
                } else if let dockerfile = Self.path(in: message, between: "the Dockerfile ", and: " does not exist") {
                    try FileManager.default.createDirectory(
                        atPath: URL(fileURLWithPath: dockerfile).deletingLastPathComponent().path, withIntermediateDirectories: true)
                    try "FROM scratch\n".write(toFile: dockerfile, atomically: true, encoding: .utf8)
                }
            }
        }
        return (fixture, file)
    }

    private static func path(in message: String, between prefix: String, and suffix: String) -> String? {
        guard let start = message.range(of: prefix), let end = message.range(of: suffix, range: start.upperBound..<message.endIndex) else {
            return nil
        }
        return String(message[start.upperBound..<end.lowerBound])
    }

    static var awesomeCompose: [String] {
        let directory = StackFixture.resources + "/awesome-compose"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("the awesome-compose corpus is all there")
    func corpusIsPresent() {
        #expect(Self.awesomeCompose.count == 39)
    }

    @Test("every awesome-compose stack loads, and every warning is located", arguments: awesomeCompose)
    func awesomeComposeLoads(name: String) throws {
        // Their build contexts are not in the corpus: a missing one is an error, so they are made.
        let project = try Self.projectWithContexts(StackFixture.resources + "/awesome-compose/" + name)
        defer { project.fixture.remove() }
        let path = project.file
        let loaded = try StackLoader.load(StackLoadOptions(files: [path], environment: [:]))
        #expect(!loaded.stack.services.isEmpty)
        for warning in loaded.warnings {
            #expect(warning.location?.file == path, "\(warning)")
            #expect((warning.location?.line ?? 0) > 0)
            #expect(!warning.keyPath.isEmpty, "\(warning)")
        }
    }

    /// The awesome-compose files `--strict` refuses, and the keys it refuses each for: only what
    /// cannot apply on one Linux node (WebAssembly images need a Wasm runtime, which is not there).
    static let refusedUnderStrict: [String: [String]] = [
        "wasmedge-kafka-mysql_compose.yml": ["services.etl.platform"],
        "wasmedge-mysql-nginx_compose.yml": ["services.backend.platform"],
    ]

    @Test("under --strict every awesome-compose stack validates as it is (no build sources beside it), but for keys that cannot apply",
          arguments: awesomeCompose)
    func awesomeComposeStrict(name: String) throws {
        let path = StackFixture.resources + "/awesome-compose/" + name
        var refused: [String] = []
        do {
            _ = try StackLoader.load(StackLoadOptions(files: [path], strict: true, environment: [:]))
        } catch {
            for refusal in error.errors {
                #expect(refusal.location?.file == path && (refusal.location?.line ?? 0) > 0, "\(refusal)")
                refused.append(refusal.keyPath)
            }
        }
        #expect(refused == Self.refusedUnderStrict[name] ?? [], "\(name)")
    }
}
