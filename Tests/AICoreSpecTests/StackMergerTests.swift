import Foundation
import Testing

@testable import AICoreSpec

/// `-f base.yml -f override.yml`: Compose's merge rules.
@Suite("StackMerger")
struct StackMergerTests {
    static let base = """
        name: shop
        services:
          api:
            command: sleep 1
            user: app
            restart: always
            environment:
              - LOG=info
              - REGION=eu
            ports: ["8080:80"]
            volumes:
              - ./data:/data
              - ./logs:/logs:ro
            depends_on: [db]
            labels: {tier: web}
            healthcheck:
              test: ["CMD", "curl", "-f", "http://localhost/"]
              interval: 10s
            deploy:
              replicas: 2
              resources:
                limits: {memory: 512m}
          db:
            command: sleep 1
        """

    /// Loads `base` merged with `override` and returns the stack.
    static func merged(_ override: String) throws -> (stack: Stack, base: String) {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("base.yml", base)
        try fixture.write("override.yml", override)
        return (try fixture.load(["base.yml", "override.yml"]).stack, fixture.baseDirectory)
    }

    static func api(_ override: String) throws -> Service {
        let stack = try merged(override).stack
        return try #require(stack.service(named: "api"))
    }

    @Test("scalars of the later file win; unset ones stay")
    func scalarsOverride() throws {
        let api = try Self.api("services:\n  api:\n    user: root\n    restart: on-failure\n")
        #expect(api.user == "root")
        #expect(api.restart.condition == .onFailure)
        #expect(api.command == ["sleep", "1"])
    }

    @Test("environment merges by key, whatever form each file uses")
    func environmentByKey() throws {
        let api = try Self.api("services:\n  api:\n    environment:\n      LOG: debug\n      TRACE: \"1\"\n")
        #expect(api.environment == ["LOG": "debug", "REGION": "eu", "TRACE": "1"])
    }

    @Test("labels merge by key")
    func labelsByKey() throws {
        let api = try Self.api("services:\n  api:\n    labels: [team=core]\n")
        #expect(api.labels == ["tier": "web", "team": "core"])
    }

    @Test("ports are appended; a port written in both files appears once")
    func portsAppended() throws {
        let api = try Self.api("services:\n  api:\n    ports: [\"8080:80\", \"8443:443\"]\n")
        #expect(api.ports == [PortMapping(target: 80, published: 8080...8080), PortMapping(target: 443, published: 8443...8443)])
    }

    @Test("volumes are replaced by target, others appended")
    func volumesByTarget() throws {
        let (stack, base) = try Self.merged("services:\n  api:\n    volumes:\n      - ./other:/data\n      - type: tmpfs\n        target: /cache\n")
        let api = try #require(stack.service(named: "api"))
        #expect(
            api.volumes == [
                VolumeMount(kind: .bind, source: base + "/other", target: "/data", createHostPath: true),
                VolumeMount(kind: .bind, source: base + "/logs", target: "/logs", readOnly: true, createHostPath: true),
                VolumeMount(kind: .tmpfs, source: nil, target: "/cache"),
            ])
    }

    @Test("command is replaced, not appended")
    func commandReplaced() throws {
        #expect(try Self.api("services:\n  api:\n    command: [\"sleep\", \"2\"]\n").command == ["sleep", "2"])
    }

    @Test("healthcheck.test is replaced; other healthcheck keys merge")
    func healthcheckTestReplaced() throws {
        let check = try #require(try Self.api("services:\n  api:\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n").healthcheck)
        #expect(check.test == .exec(["true"]))
        #expect(check.interval == .seconds(10))
    }

    @Test("depends_on merges: a list and a map combine, a later condition wins")
    func dependsOnMerged() throws {
        let override = """
            services:
              api:
                depends_on:
                  db:
                    condition: service_healthy
                  cache:
                    condition: service_started
              cache:
                command: sleep 1
            """
        let api = try Self.api(override)
        #expect(
            api.dependsOn == [
                ServiceDependency(service: "db", condition: .serviceHealthy),
                ServiceDependency(service: "cache", condition: .serviceStarted),
            ])
    }

    @Test("nested mappings merge key by key")
    func nestedMappings() throws {
        let api = try Self.api("services:\n  api:\n    deploy:\n      resources:\n        limits: {cpus: \"1\"}\n")
        #expect(api.deploy.replicas == 2)
        #expect(api.deploy.limits.memory == ByteSize(bytes: 512 << 20))
        #expect(api.deploy.limits.cpus == 1)
    }

    @Test("a service only in the later file is added")
    func serviceAdded() throws {
        let stack = try Self.merged("services:\n  worker:\n    command: sleep 3\n").stack
        #expect(stack.services.map(\.name) == ["api", "db", "worker"])
        #expect(stack.service(named: "worker")?.command == ["sleep", "3"])
    }

    @Test("top-level keys merge too: name is overridden, volumes are added")
    func topLevel() throws {
        let stack = try Self.merged("name: shop-staging\nservices: {}\nvolumes:\n  cache:\n").stack
        #expect(stack.name == "shop-staging")
        #expect(stack.volumes.map(\.key) == ["cache"])
    }

    @Test("relative paths of every file resolve against the first file's directory")
    func pathsResolveAgainstFirstFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("base.yml", StackFixture.apiHeader)
        try fixture.write("overrides/dev.yml", "services:\n  api:\n    volumes: [./src:/src]\n")
        let api = try #require(try fixture.load(["base.yml", "overrides/dev.yml"]).stack.service(named: "api"))
        #expect(api.volumes.first?.source == fixture.baseDirectory + "/src")
    }
}
