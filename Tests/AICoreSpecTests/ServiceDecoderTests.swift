import Foundation
import Testing

@testable import AICoreSpec

/// Every short and long form of a service key, and the model it decodes to.
///
/// Most cases write a few keys into the service `api` (which already has `command: sleep 1`)
/// with `StackFixture.service(_:)`, so a case reads like the stack file a user would write.
@Suite("ServiceDecoder")
struct ServiceDecoderTests {
    /// A table row: service keys as written, and the value the case looks at.
    struct Row<Value: Sendable>: CustomTestStringConvertible, Sendable {
        let yaml: String
        let expected: Value
        let why: String

        init(_ yaml: String, _ expected: Value, _ why: String = "") {
            self.yaml = yaml
            self.expected = expected
            self.why = why
        }

        var testDescription: String { why.isEmpty ? yaml : "\(why): \(yaml)" }
    }

    static func decode(
        _ yaml: String, topLevel: String = "", environment: [String: String] = [:],
        files: [String: String] = [:]
    ) throws -> (service: Service, base: String) {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        for (name, text) in files { try fixture.write(name, text) }
        return (try fixture.service(yaml, topLevel: topLevel, environment: environment), fixture.baseDirectory)
    }

    @Test("a service with only a command gets Compose's defaults")
    func defaults() throws {
        let service = try Self.decode("").service
        #expect(service.command == ["sleep", "1"])
        #expect(service.image == nil)
        #expect(service.environment.isEmpty)
        #expect(service.restart == RestartPolicy(condition: .no))
        #expect(service.deploy == DeploySettings())
        #expect(service.deploy.replicas == 1)
        #expect(service.deploy.limits.pids == DeploySettings.defaultPidsLimit)
        #expect(service.stopSignal == .term)
        #expect(service.stopGracePeriod == .seconds(10))
        #expect(service.security == SecurityOptions(noNewPrivileges: true, seccomp: .builtIn))
        #expect(service.networkMode == nil)
        #expect(service.networks.isEmpty)
        #expect(service.healthcheck == nil)
        #expect(service.aicore == AICoreExtension())
    }

    static let commands: [Row<[String]>] = [
        Row("command: redis-server --appendonly yes", ["redis-server", "--appendonly", "yes"], "a string is split like a shell"),
        Row(#"command: sh -c 'echo "hi there"'"#, ["sh", "-c", #"echo "hi there""#], "quotes group words"),
        Row(#"command: ["sh", "-c", "echo $$HOME"]"#, ["sh", "-c", "echo $HOME"], "a list is kept as is, after interpolation"),
    ]

    @Test("command", arguments: commands)
    func command(_ row: Row<[String]>) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: "services:\n  api:\n    " + row.yaml + "\n")
        #expect(loaded.stack.service(named: "api")?.command == row.expected)
    }
}

// MARK: - Environment

extension ServiceDecoderTests {
    @Suite("environment and env_file")
    struct Environment {
        static let forms: [Row<[String: String]>] = [
            Row("environment:\n  - A=1\n  - B=two words\n  - C=\n  - D=x=y", ["A": "1", "B": "two words", "C": "", "D": "x=y"], "a list of KEY=VALUE"),
            Row("environment:\n  A: 1\n  B: two words\n  C: ''\n  D: true", ["A": "1", "B": "two words", "C": "", "D": "true"], "a map, scalars as written"),
            Row("environment:\n  - FROM_HOST\n  - NOT_SET", ["FROM_HOST": "host value"], "a listed KEY without value is taken from the environment, or dropped"),
            Row("environment:\n  FROM_HOST:\n  NOT_SET: ~", ["FROM_HOST": "host value"], "a mapped KEY without value is taken from the environment, or dropped"),
            Row("environment:\n  URL: http://${HOST:-localhost}:${PORT}", ["URL": "http://localhost:"], "values are interpolated"),
        ]

        @Test("environment", arguments: forms)
        func environment(_ row: Row<[String: String]>) throws {
            let service = try decode(row.yaml, environment: ["FROM_HOST": "host value"]).service
            #expect(service.environment == row.expected)
        }

        static let envFiles: [Row<[String: String]>] = [
            Row("env_file: app.env", ["A": "from app", "SHARED": "app"], "a string"),
            Row("env_file: [app.env, extra.env]", ["A": "from app", "B": "from extra", "SHARED": "extra"], "a list; later files win"),
            Row(
                "env_file:\n  - path: app.env\n  - path: missing.env\n    required: false", ["A": "from app", "SHARED": "app"],
                "the long form; a missing optional file is skipped"),
            Row("env_file: app.env\nenvironment:\n  SHARED: explicit", ["A": "from app", "SHARED": "explicit"], "`environment` wins over env_file"),
            Row("env_file: bare.env", ["FROM_HOST": "host value"], "a bare KEY in an env file is taken from the environment, or dropped"),
            Row(
                "env_file:\n  - path: raw.env\n    format: raw", ["QUOTED": "\"a b\" # kept", "DOLLAR": "$HOME", "EMPTY": ""],
                "format: raw takes each value as written"),
            Row(
                "env_file:\n  - path: app.env\n    format: dotenv", ["A": "from app", "SHARED": "app"],
                "format: dotenv is the default, written out"),
            Row(
                "env_file:\n  - path: missing.env\n    required: false\n    format: raw\n  - app.env", ["A": "from app", "SHARED": "app"],
                "a missing optional raw file is skipped too"),
        ]

        @Test("env_file", arguments: envFiles)
        func envFile(_ row: Row<[String: String]>) throws {
            let files = [
                "app.env": "A=from app\nSHARED=app\n",
                "extra.env": "# extra\nB=from extra\nSHARED=extra\n",
                "bare.env": "FROM_HOST\nNOT_SET\n",
                "raw.env": "# raw\nQUOTED=\"a b\" # kept\nDOLLAR=$HOME\nEMPTY=\n",
            ]
            let service = try decode(row.yaml, environment: ["FROM_HOST": "host value"], files: files).service
            #expect(service.environment == row.expected)
        }
    }
}

// MARK: - Ports

extension ServiceDecoderTests {
    @Suite("ports")
    struct Ports {
        static let forms: [Row<[PortMapping]>] = [
            Row(#""80""#, [PortMapping(target: 80)], "a container port only is not published"),
            Row("80", [PortMapping(target: 80)], "a number"),
            Row(#""8080:80""#, [PortMapping(target: 80, published: 8080...8080)]),
            Row(#""127.0.0.1:8080:80/tcp""#, [PortMapping(target: 80, published: 8080...8080, hostIP: "127.0.0.1")]),
            Row(#""127.0.0.1::80""#, [PortMapping(target: 80, hostIP: "127.0.0.1")], "an empty host port is not published"),
            Row(#""[::1]:8080:80""#, [PortMapping(target: 80, published: 8080...8080, hostIP: "::1")], "an IPv6 host address in brackets"),
            Row(
                #""8000-8001:80-81""#,
                [PortMapping(target: 80, published: 8000...8000), PortMapping(target: 81, published: 8001...8001)],
                "a range expands to one mapping per port"),
            Row(#""9000-9001""#, [PortMapping(target: 9000), PortMapping(target: 9001)], "a container range"),
            Row(#""8000-8009:80""#, [PortMapping(target: 80, published: 8000...8009)], "a host range for one container port"),
            Row(#""53:53/udp""#, [PortMapping(target: 53, published: 53...53, transport: .udp)], "udp"),
            Row(#""5000:5000/UDP""#, [PortMapping(target: 5000, published: 5000...5000, transport: .udp)], "the protocol in capitals"),
            Row("{target: 80}", [PortMapping(target: 80)], "the long form with a target only"),
            Row("{target: 80, published: 8080}", [PortMapping(target: 80, published: 8080...8080)], "the long form, published as a number"),
            Row(
                #"{name: web, target: 80, published: "8080", host_ip: 127.0.0.1, protocol: udp, mode: host, app_protocol: http}"#,
                [
                    PortMapping(
                        name: "web", target: 80, published: 8080...8080, hostIP: "127.0.0.1", transport: .udp, mode: .host,
                        appProtocol: "http")
                ], "the long form with every key"),
        ]

        @Test("ports", arguments: forms)
        func ports(_ row: Row<[PortMapping]>) throws {
            #expect(try decode("ports:\n  - \(row.yaml)").service.ports == row.expected)
        }

        @Test("several entries keep their order")
        func order() throws {
            let ports = try decode(#"ports: ["8080:80", "8443:443", "9090"]"#).service.ports
            #expect(ports.map(\.target) == [80, 443, 9090])
        }
    }
}

// MARK: - Volumes and tmpfs

extension ServiceDecoderTests {
    @Suite("volumes and tmpfs")
    struct Volumes {
        /// `base` stands for the stack file's directory.
        static let forms: [Row<@Sendable (String) -> VolumeMount>] = [
            Row("./data:/var/lib/x:ro", { VolumeMount(kind: .bind, source: $0 + "/data", target: "/var/lib/x", readOnly: true, createHostPath: true) }, "a relative bind is made absolute against the stack directory"),
            Row("/srv/data:/data", { _ in VolumeMount(kind: .bind, source: "/srv/data", target: "/data", createHostPath: true) }, "an absolute bind"),
            Row("./a/../b:/b:rw", { VolumeMount(kind: .bind, source: $0 + "/b", target: "/b", createHostPath: true) }, "a bind source is normalized"),
            Row("./data:/data:rshared", { VolumeMount(kind: .bind, source: $0 + "/data", target: "/data", createHostPath: true, propagation: "rshared") }, "a propagation mode"),
            Row("db-data:/var/lib/postgresql", { _ in VolumeMount(kind: .volume, source: "db-data", target: "/var/lib/postgresql") }, "a named volume"),
            Row("db-data:/data:ro,nocopy", { _ in VolumeMount(kind: .volume, source: "db-data", target: "/data", readOnly: true, noCopy: true) }, "a named volume with options"),
            Row("/data", { _ in VolumeMount(kind: .volume, source: nil, target: "/data") }, "an anonymous volume"),
            Row("/data/", { _ in VolumeMount(kind: .volume, source: nil, target: "/data") }, "a trailing slash on the target is dropped"),
            Row(
                "{type: bind, source: ./conf, target: /etc/conf, read_only: true, bind: {create_host_path: true, propagation: rprivate}}",
                { VolumeMount(kind: .bind, source: $0 + "/conf", target: "/etc/conf", readOnly: true, createHostPath: true, propagation: "rprivate") },
                "the long form of a bind"),
            Row("{type: bind, source: /srv, target: /srv}", { _ in VolumeMount(kind: .bind, source: "/srv", target: "/srv") }, "a long bind does not create its host path by default"),
            Row(
                "{type: volume, source: db-data, target: /cache, volume: {nocopy: true, subpath: sub}}",
                { _ in VolumeMount(kind: .volume, source: "db-data", target: "/cache", noCopy: true, subpath: "sub") },
                "the long form of a named volume"),
            Row("{type: volume, target: /anon}", { _ in VolumeMount(kind: .volume, source: nil, target: "/anon") }, "the long form of an anonymous volume"),
            Row(
                "{type: tmpfs, target: /scratch, tmpfs: {size: 64m, mode: 1777}}",
                { _ in VolumeMount(kind: .tmpfs, source: nil, target: "/scratch", tmpfsSize: ByteSize(bytes: 64 << 20), tmpfsMode: 0o1777) },
                "the long form of a tmpfs with size and mode"),
        ]

        @Test("volumes", arguments: forms)
        func volumes(_ row: Row<@Sendable (String) -> VolumeMount>) throws {
            let (service, base) = try decode("volumes:\n  - \(row.yaml)", topLevel: "volumes:\n  db-data:\n")
            #expect(service.volumes == [row.expected(base)])
        }

        static let tmpfsCases: [Row<[VolumeMount]>] = [
            Row("tmpfs: /run", [VolumeMount(kind: .tmpfs, source: nil, target: "/run")], "a string"),
            Row(
                "tmpfs:\n  - /run:size=64m,mode=1777\n  - /tmp",
                [
                    VolumeMount(kind: .tmpfs, source: nil, target: "/run", tmpfsSize: ByteSize(bytes: 64 << 20), tmpfsMode: 0o1777),
                    VolumeMount(kind: .tmpfs, source: nil, target: "/tmp"),
                ], "a list with size and mode options"),
            Row("tmpfs: /ro:ro,noexec,nosuid", [VolumeMount(kind: .tmpfs, source: nil, target: "/ro", readOnly: true)], "flags"),
        ]

        @Test("tmpfs", arguments: tmpfsCases)
        func tmpfs(_ row: Row<[VolumeMount]>) throws {
            #expect(try decode(row.yaml).service.volumes == row.expected)
        }

        @Test("tmpfs mounts come after the volumes")
        func tmpfsAfterVolumes() throws {
            let service = try decode("tmpfs: /run\nvolumes: [/data]").service
            #expect(service.volumes.map(\.target) == ["/data", "/run"])
        }
    }
}

// MARK: - depends_on

extension ServiceDecoderTests {
    @Suite("depends_on")
    struct DependsOn {
        static let others = "  db:\n    command: sleep 1\n  cache:\n    command: sleep 1\n"

        static let forms: [Row<[ServiceDependency]>] = [
            Row(
                "depends_on: [db, cache]", [ServiceDependency(service: "db"), ServiceDependency(service: "cache")],
                "a list means service_started, required"),
            Row(
                "depends_on:\n  db:\n    condition: service_healthy\n    restart: true\n  cache:\n    condition: service_completed_successfully\n    required: false",
                [
                    ServiceDependency(service: "db", condition: .serviceHealthy, restart: true),
                    ServiceDependency(service: "cache", condition: .serviceCompletedSuccessfully, required: false),
                ], "a map with condition, restart and required"),
            Row("depends_on:\n  db:", [ServiceDependency(service: "db")], "a map entry without settings"),
            Row("depends_on:\n  db: {}\n  ghost: {required: false}", [ServiceDependency(service: "db")], "an optional dependency on an absent service is dropped"),
        ]

        @Test("depends_on", arguments: forms)
        func dependsOn(_ row: Row<[ServiceDependency]>) throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let indented = row.yaml.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            let loaded = try fixture.load(yaml: StackFixture.apiHeader + indented + "\n" + Self.others)
            #expect(loaded.stack.service(named: "api")?.dependsOn == row.expected)
        }
    }
}

// MARK: - healthcheck

extension ServiceDecoderTests {
    @Suite("healthcheck")
    struct HealthcheckForms {
        static let tests: [Row<Healthcheck.Test?>] = [
            Row("test: curl -f http://localhost/", .shell("curl -f http://localhost/"), "a string runs in a shell"),
            Row(#"test: ["CMD", "curl", "-f", "http://localhost/"]"#, .exec(["curl", "-f", "http://localhost/"]), "CMD runs argv"),
            Row(#"test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]"#, .shell("curl -f http://localhost/ || exit 1"), "CMD-SHELL runs in a shell"),
            Row(#"test: ["NONE"]"#, nil, "NONE disables"),
            Row("test: [\"CMD\", \"true\"]\ndisable: true", nil, "disable: true disables"),
        ]

        @Test("test", arguments: tests)
        func test(_ row: Row<Healthcheck.Test?>) throws {
            let indented = row.yaml.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            let check = try #require(try decode("healthcheck:\n" + indented).service.healthcheck)
            #expect(check.test == row.expected)
            #expect(check.isDisabled == (row.expected == nil))
        }

        @Test("defaults are filled in: 30s, 30s, 3 retries, 0s start period, 5s start interval")
        func defaults() throws {
            let check = try #require(try decode("healthcheck:\n  test: [\"CMD\", \"true\"]").service.healthcheck)
            #expect(check == Healthcheck(test: .exec(["true"]), interval: .seconds(30), timeout: .seconds(30), retries: 3, startPeriod: .zero, startInterval: .seconds(5)))
        }

        @Test("every setting is read")
        func settings() throws {
            let yaml = """
                healthcheck:
                  test: pg_isready
                  interval: 1m30s
                  timeout: 500ms
                  retries: 5
                  start_period: 2m
                  start_interval: 1s
                """
            let check = try #require(try decode(yaml).service.healthcheck)
            #expect(check == Healthcheck(test: .shell("pg_isready"), interval: .seconds(90), timeout: .milliseconds(500), retries: 5, startPeriod: .seconds(120), startInterval: .seconds(1)))
        }

        @Test("retries: 0 means the default, as in Docker")
        func zeroRetries() throws {
            let check = try #require(try decode("healthcheck:\n  test: \"true\"\n  retries: 0").service.healthcheck)
            #expect(check.retries == 3)
        }
    }
}

// MARK: - restart and deploy.restart_policy

extension ServiceDecoderTests {
    @Suite("restart")
    struct Restart {
        static let composeForms: [Row<RestartPolicy>] = [
            Row("restart: no", RestartPolicy(condition: .no)),
            Row(#"restart: "no""#, RestartPolicy(condition: .no)),
            Row("restart: always", RestartPolicy(condition: .always)),
            Row("restart: on-failure", RestartPolicy(condition: .onFailure)),
            Row("restart: on-failure:3", RestartPolicy(condition: .onFailure, maxAttempts: 3)),
            Row("restart: unless-stopped", RestartPolicy(condition: .unlessStopped)),
        ]

        @Test("restart", arguments: composeForms)
        func restart(_ row: Row<RestartPolicy>) throws {
            let policy = try decode(row.yaml).service.restart
            #expect(policy == row.expected)
            #expect(policy.delay == .seconds(1))
        }

        static let policies: [Row<RestartPolicy>] = [
            Row("{condition: none}", RestartPolicy(condition: .no)),
            Row("{condition: on-failure}", RestartPolicy(condition: .onFailure)),
            Row("{condition: any}", RestartPolicy(condition: .always)),
            Row("{}", RestartPolicy(condition: .always), "no condition means any"),
            Row(
                "{condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}",
                RestartPolicy(condition: .onFailure, delay: .seconds(5), maxAttempts: 3, window: .seconds(120))),
        ]

        @Test("deploy.restart_policy", arguments: policies)
        func restartPolicy(_ row: Row<RestartPolicy>) throws {
            #expect(try decode("deploy:\n  restart_policy: \(row.yaml)").service.restart == row.expected)
        }

        static let combined: [Row<RestartPolicy>] = [
            Row(
                "restart: unless-stopped\ndeploy:\n  restart_policy: {delay: 2s, max_attempts: 5}",
                RestartPolicy(condition: .unlessStopped, delay: .seconds(2), maxAttempts: 5),
                "restart sets the condition, the policy the delay and attempts"),
            Row(
                "restart: on-failure:3\ndeploy:\n  restart_policy: {window: 1m}",
                RestartPolicy(condition: .onFailure, maxAttempts: 3, window: .seconds(60)),
                "attempts from on-failure:N are kept"),
            Row(
                "restart: on-failure:3\ndeploy:\n  restart_policy: {max_attempts: 7}",
                RestartPolicy(condition: .onFailure, maxAttempts: 7), "the policy's max_attempts wins"),
            Row(
                "restart: always\ndeploy:\n  restart_policy: {condition: on-failure}",
                RestartPolicy(condition: .onFailure), "an explicit policy condition wins"),
            Row("restart: \"no\"\ndeploy:\n  restart_policy: {delay: 3s}", RestartPolicy(condition: .no, delay: .seconds(3))),
        ]

        @Test("restart and deploy.restart_policy combine", arguments: combined)
        func combine(_ row: Row<RestartPolicy>) throws {
            #expect(try decode(row.yaml).service.restart == row.expected)
        }

        @Test("a policy condition that overrides `restart` is noted")
        func overrideNotice() throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let loaded = try fixture.load(
                yaml: StackFixture.apiHeader + "    restart: always\n    deploy:\n      restart_policy:\n        condition: on-failure\n")
            let notice = try #require(loaded.warnings.first { $0.keyPath == "services.api.deploy.restart_policy" })
            #expect(notice.kind == .notice)
            #expect(notice.message.contains("`restart: always` is overridden"))
            #expect(notice.location?.line == 7)
        }
    }
}

// MARK: - Durations, sizes, CPUs, deploy

extension ServiceDecoderTests {
    @Suite("resources and deploy")
    struct Resources {
        static let gracePeriods: [Row<Duration>] = [
            Row("stop_grace_period: 1m30s", .seconds(90)),
            Row("stop_grace_period: 500ms", .milliseconds(500)),
            Row("stop_grace_period: 2h", .seconds(7200)),
            Row("stop_grace_period: 1.5s", .milliseconds(1500)),
            Row("stop_grace_period: 0s", .zero),
        ]

        @Test("durations", arguments: gracePeriods)
        func durations(_ row: Row<Duration>) throws {
            #expect(try decode(row.yaml).service.stopGracePeriod == row.expected)
        }

        static let limitsCases: [Row<ResourceSettings>] = [
            Row("mem_limit: 2G", ResourceSettings(memory: ByteSize(bytes: 2 << 30), pids: 4096), "mem_limit, a legacy key"),
            Row("mem_limit: 512Mi", ResourceSettings(memory: ByteSize(bytes: 512 << 20), pids: 4096)),
            Row("cpus: \"0.5\"", ResourceSettings(cpus: 0.5, pids: 4096), "cpus as a string"),
            Row("cpus: 1.5", ResourceSettings(cpus: 1.5, pids: 4096), "cpus as a number"),
            Row("cpus: 2", ResourceSettings(cpus: 2, pids: 4096), "cpus as an integer"),
            Row("pids_limit: 100", ResourceSettings(pids: 100), "pids_limit, a legacy key"),
            Row("pids_limit: -1", ResourceSettings(), "pids_limit -1 lifts the default limit"),
            Row("pids_limit: 0", ResourceSettings(), "pids_limit 0 lifts the default limit"),
            Row(
                "deploy:\n  resources:\n    limits: {cpus: '0.25', memory: 1gb, pids: 64}",
                ResourceSettings(cpus: 0.25, memory: ByteSize(bytes: 1 << 30), pids: 64), "deploy.resources.limits"),
            Row(
                "mem_limit: 1g\ncpus: 0.5\ndeploy:\n  resources:\n    limits: {cpus: '0.5', memory: 1024m}",
                ResourceSettings(cpus: 0.5, memory: ByteSize(bytes: 1 << 30), pids: 4096),
                "legacy keys that agree with deploy are fine"),
        ]

        @Test("limits", arguments: limitsCases)
        func limits(_ row: Row<ResourceSettings>) throws {
            #expect(try decode(row.yaml).service.deploy.limits == row.expected)
        }

        static let reservationsCases: [Row<ResourceSettings>] = [
            Row("mem_reservation: 256m", ResourceSettings(memory: ByteSize(bytes: 256 << 20))),
            Row("deploy:\n  resources:\n    reservations: {cpus: 0.5, memory: 64m}", ResourceSettings(cpus: 0.5, memory: ByteSize(bytes: 64 << 20))),
        ]

        @Test("reservations", arguments: reservationsCases)
        func reservations(_ row: Row<ResourceSettings>) throws {
            #expect(try decode(row.yaml).service.deploy.reservations == row.expected)
        }

        static let replicasCases: [Row<Int>] = [
            Row("deploy: {replicas: 3}", 3),
            Row("scale: 4", 4, "scale, a legacy key"),
            Row("scale: 2\ndeploy: {replicas: 2}", 2, "scale and replicas that agree"),
            Row("deploy: {replicas: 0}", 0, "zero replicas"),
            Row("deploy: {mode: global, replicas: 5}", 1, "global means one instance on one host"),
        ]

        @Test("replicas", arguments: replicasCases)
        func replicas(_ row: Row<Int>) throws {
            #expect(try decode(row.yaml).service.deploy.replicas == row.expected)
        }

        static let updateConfigs: [Row<UpdateConfig?>] = [
            Row("deploy: {replicas: 2}", nil, "absent"),
            Row(
                "deploy: {update_config: {}}",
                UpdateConfig(parallelism: 1, delay: .zero, failureAction: .rollback, monitor: .seconds(5), maxFailureRatio: 0, order: .stopFirst),
                "defaults, with failure_action rollback"),
            Row(
                "deploy:\n  update_config: {parallelism: 2, delay: 10s, failure_action: pause, monitor: 1m, max_failure_ratio: 0.5, order: start-first}",
                UpdateConfig(parallelism: 2, delay: .seconds(10), failureAction: .pause, monitor: .seconds(60), maxFailureRatio: 0.5, order: .startFirst),
                "every setting"),
        ]

        @Test("deploy.update_config", arguments: updateConfigs)
        func updateConfig(_ row: Row<UpdateConfig?>) throws {
            #expect(try decode(row.yaml).service.deploy.updateConfig == row.expected)
        }

        static let rollbackConfigs: [Row<UpdateConfig?>] = [
            Row("deploy: {rollback_config: {}}", UpdateConfig(failureAction: .pause), "defaults, with failure_action pause"),
            Row("deploy: {rollback_config: {parallelism: 0, order: start-first}}", UpdateConfig(parallelism: 0, failureAction: .pause, order: .startFirst)),
        ]

        @Test("deploy.rollback_config", arguments: rollbackConfigs)
        func rollbackConfig(_ row: Row<UpdateConfig?>) throws {
            #expect(try decode(row.yaml).service.deploy.rollbackConfig == row.expected)
        }

        @Test("deploy labels and mode")
        func labelsAndMode() throws {
            let deploy = try decode("deploy:\n  mode: replicated\n  labels: [tier=web, team=core]").service.deploy
            #expect(deploy.mode == .replicated)
            #expect(deploy.labels == ["tier": "web", "team": "core"])
        }
    }
}

// MARK: - Security, limits, signals

extension ServiceDecoderTests {
    @Suite("security, ulimits and signals")
    struct Security {
        static let capabilities: [Row<[String]>] = [
            Row("[cap_net_admin]", ["NET_ADMIN"], "lowercase with the CAP_ prefix"),
            Row("[CAP_SYS_TIME, NET_RAW, chown]", ["SYS_TIME", "NET_RAW", "CHOWN"]),
            Row("[NET_ADMIN, cap_net_admin]", ["NET_ADMIN"], "duplicates are dropped"),
            Row("[ALL]", ["ALL"]),
        ]

        @Test("cap_add", arguments: capabilities)
        func capAdd(_ row: Row<[String]>) throws {
            #expect(try decode("cap_add: \(row.yaml)").service.capAdd == row.expected)
        }

        @Test("cap_drop", arguments: capabilities)
        func capDrop(_ row: Row<[String]>) throws {
            #expect(try decode("cap_drop: \(row.yaml)").service.capDrop == row.expected)
        }

        static let securityOptions: [Row<@Sendable (String) -> SecurityOptions>] = [
            Row("[no-new-privileges]", { _ in SecurityOptions(noNewPrivileges: true) }),
            Row("[\"no-new-privileges:true\"]", { _ in SecurityOptions(noNewPrivileges: true) }),
            Row("[\"no-new-privileges:false\"]", { _ in SecurityOptions(noNewPrivileges: false) }),
            Row("[seccomp=unconfined]", { _ in SecurityOptions(seccomp: .unconfined) }),
            Row("[\"seccomp:unconfined\"]", { _ in SecurityOptions(seccomp: .unconfined) }),
            Row("[seccomp=profile.json]", { SecurityOptions(seccomp: .profile($0 + "/profile.json")) }, "a profile resolved against the stack directory"),
            Row("[seccomp=/etc/aicore/strict.json]", { _ in SecurityOptions(seccomp: .profile("/etc/aicore/strict.json")) }),
            Row("[\"label:disable\", \"apparmor:unconfined\"]", { _ in SecurityOptions() }, "label and apparmor are ignored with a warning"),
        ]

        @Test("security_opt", arguments: securityOptions)
        func securityOpt(_ row: Row<@Sendable (String) -> SecurityOptions>) throws {
            let (service, base) = try decode("security_opt: \(row.yaml)")
            #expect(service.security == row.expected(base))
        }

        static let ulimitsCases: [Row<[String: Ulimit]>] = [
            Row("nofile: 1024", ["nofile": Ulimit(soft: 1024, hard: 1024)], "an integer sets both"),
            Row("nofile: {soft: 1024, hard: 4096}", ["nofile": Ulimit(soft: 1024, hard: 4096)], "soft and hard"),
            Row("nproc: 65535\nmemlock: {soft: -1, hard: -1}", ["nproc": Ulimit(soft: 65535, hard: 65535), "memlock": Ulimit(soft: -1, hard: -1)], "-1 is unlimited"),
        ]

        @Test("ulimits", arguments: ulimitsCases)
        func ulimits(_ row: Row<[String: Ulimit]>) throws {
            let indented = row.yaml.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            #expect(try decode("ulimits:\n" + indented).service.ulimits == row.expected)
        }

        static let signals: [Row<StopSignal>] = [
            Row("TERM", StopSignal(name: "SIGTERM", number: 15)),
            Row("SIGQUIT", StopSignal(name: "SIGQUIT", number: 3)),
            Row("9", StopSignal(name: "SIGKILL", number: 9)),
            Row("SIGINT", StopSignal(name: "SIGINT", number: 2)),
        ]

        @Test("stop_signal", arguments: signals)
        func stopSignal(_ row: Row<StopSignal>) throws {
            #expect(try decode("stop_signal: \(row.yaml)").service.stopSignal == row.expected)
        }

        @Test("read_only, user, working_dir, hostname and labels")
        func simpleKeys() throws {
            let yaml = """
                read_only: true
                user: "1000:1000"
                working_dir: /srv/app
                hostname: api-1.internal
                labels:
                  tier: web
                  empty:
                """
            let service = try decode(yaml).service
            #expect(service.readOnly)
            #expect(service.user == "1000:1000")
            #expect(service.workingDir == "/srv/app")
            #expect(service.hostname == "api-1.internal")
            #expect(service.labels == ["tier": "web", "empty": ""])
        }
    }
}

// MARK: - Networking

extension ServiceDecoderTests {
    @Suite("networking")
    struct Networking {
        static let extraHostsCases: [Row<[ExtraHost]>] = [
            Row(
                #"["db:10.0.0.2", "v6=::1", "bracketed:[fe80::1]"]"#,
                [ExtraHost(hostname: "db", address: "10.0.0.2"), ExtraHost(hostname: "v6", address: "::1"), ExtraHost(hostname: "bracketed", address: "fe80::1")],
                "a list of HOST:IP or HOST=IP"),
            Row(
                "{db: 10.0.0.2, multi: [1.1.1.1, 2.2.2.2]}",
                [ExtraHost(hostname: "db", address: "10.0.0.2"), ExtraHost(hostname: "multi", address: "1.1.1.1"), ExtraHost(hostname: "multi", address: "2.2.2.2")],
                "a map, a host may have several addresses"),
        ]

        @Test("extra_hosts", arguments: extraHostsCases)
        func extraHosts(_ row: Row<[ExtraHost]>) throws {
            #expect(try decode("extra_hosts: \(row.yaml)").service.extraHosts == row.expected)
        }

        @Test("network_mode", arguments: [("host", NetworkMode.host), ("none", .none), ("bridge", .bridge)])
        func networkMode(_ example: (text: String, mode: NetworkMode)) throws {
            #expect(try decode("network_mode: \(example.text)").service.networkMode == example.mode)
        }
    }
}

// MARK: - x-aicore

extension ServiceDecoderTests {
    @Suite("x-aicore")
    struct AICore {
        @Test("without x-aicore, rollouts surge 25% and allow 25% unavailable, and there are no probes")
        func defaults() throws {
            let aicore = try decode("").service.aicore
            #expect(aicore.rollout == RolloutSettings(maxSurge: .percent(25), maxUnavailable: .percent(25)))
            #expect(aicore.rollout.progressDeadline == .seconds(600))
            #expect(aicore.probes.isEmpty)
            #expect(aicore.autoscale == nil)
            #expect(aicore.disruptionBudget == nil)
            #expect(aicore.portEnv == "PORT")
            #expect(aicore.restartUnhealthy)
        }

        @Test("probes get period 10s, timeout 1s and thresholds 1/3 by default")
        func probeDefaults() throws {
            let yaml = """
                x-aicore:
                  probes:
                    readiness:
                      http_get: {path: /health, port: 8080, headers: {X-Probe: yes}}
                    liveness:
                      tcp_socket: {}
                    startup:
                      exec: {command: test -f /ready}
                """
            let probes = try decode(yaml).service.aicore.probes
            #expect(probes.readiness == Probe(action: .httpGet(path: "/health", port: 8080, headers: ["X-Probe": "yes"])))
            #expect(probes.liveness == Probe(action: .tcpSocket(port: nil)))
            #expect(probes.startup == Probe(action: .exec(["test", "-f", "/ready"])))
            let readiness = try #require(probes.readiness)
            #expect(readiness.period == .seconds(10))
            #expect(readiness.timeout == .seconds(1))
            #expect(readiness.successThreshold == 1)
            #expect(readiness.failureThreshold == 3)
            #expect(readiness.initialDelay == .zero)
        }

        static let probeTimingsCases: [Row<Probe>] = [
            Row(
                "{tcp_socket: {port: 5432}, initial_delay: 5, period: 2, timeout: 0.5}",
                Probe(action: .tcpSocket(port: 5432), initialDelay: .seconds(5), period: .seconds(2), timeout: .milliseconds(500)),
                "bare numbers are seconds"),
            Row(
                "{http_get: {}, initial_delay: 1m, period: 15s, timeout: 3s, success_threshold: 2, failure_threshold: 5}",
                Probe(action: .httpGet(path: "/", port: nil, headers: [:]), initialDelay: .seconds(60), period: .seconds(15), timeout: .seconds(3), successThreshold: 2, failureThreshold: 5),
                "durations and thresholds"),
        ]

        @Test("probe timings", arguments: probeTimingsCases)
        func probeTimings(_ row: Row<Probe>) throws {
            let probes = try decode("x-aicore:\n  probes:\n    liveness: \(row.yaml)").service.aicore.probes
            #expect(probes.liveness == row.expected)
        }

        static let rollouts: [Row<RolloutSettings>] = [
            Row("{}", RolloutSettings(), "defaults"),
            Row("{max_surge: 1, max_unavailable: 0}", RolloutSettings(maxSurge: .count(1), maxUnavailable: .count(0))),
            Row(
                "{max_surge: 50%, max_unavailable: 10%, min_ready: 5, progress_deadline: 2m, auto_rollback: false, revision_history: 3, drain_timeout: 30s}",
                RolloutSettings(
                    maxSurge: .percent(50), maxUnavailable: .percent(10), minReady: .seconds(5), progressDeadline: .seconds(120),
                    autoRollback: false, revisionHistory: 3, drainTimeout: .seconds(30)),
                "every setting"),
        ]

        @Test("rollout", arguments: rollouts)
        func rollout(_ row: Row<RolloutSettings>) throws {
            #expect(try decode("x-aicore:\n  rollout: \(row.yaml)").service.aicore.rollout == row.expected)
        }

        static let autoscales: [Row<AutoscaleSettings>] = [
            Row("{min: 3, max: 20, cpu: 70, memory: 80%}", AutoscaleSettings(min: 3, max: 20, cpuPercent: 70, memoryPercent: 80)),
            Row(
                "{max: 4, requests_per_second: 50, behavior: {scale_up: {stabilization: 30}, scale_down: {stabilization: 1m}}}",
                AutoscaleSettings(min: 1, max: 4, requestsPerSecond: 50, scaleDownStabilization: .seconds(60), scaleUpStabilization: .seconds(30)),
                "min defaults to 1; stabilization windows"),
        ]

        @Test("autoscale", arguments: autoscales)
        func autoscale(_ row: Row<AutoscaleSettings>) throws {
            #expect(try decode("x-aicore:\n  autoscale: \(row.yaml)").service.aicore.autoscale == row.expected)
        }

        static let budgets: [Row<DisruptionBudget>] = [
            Row("{min_available: 2}", .minAvailable(.count(2))),
            Row("{max_unavailable: 25%}", .maxUnavailable(.percent(25))),
        ]

        @Test("disruption_budget", arguments: budgets)
        func disruptionBudget(_ row: Row<DisruptionBudget>) throws {
            #expect(try decode("x-aicore:\n  disruption_budget: \(row.yaml)").service.aicore.disruptionBudget == row.expected)
        }

        @Test("port_env and restart_unhealthy")
        func portEnv() throws {
            let aicore = try decode("x-aicore:\n  port_env: HTTP_PORT\n  restart_unhealthy: false").service.aicore
            #expect(aicore.portEnv == "HTTP_PORT")
            #expect(!aicore.restartUnhealthy)
        }

        @Test("hide_paths: absolute paths, normalized, each once")
        func hidePaths() throws {
            #expect(try decode("x-aicore: {port_env: PORT}").service.aicore.hidePaths.isEmpty)
            let aicore = try decode("x-aicore:\n  hide_paths: [/srv/keys/, /etc//app.conf, /srv/keys]").service.aicore
            #expect(aicore.hidePaths == ["/srv/keys", "/etc/app.conf"])
        }

        @Test("proxy balance, round robin unless asked")
        func proxyBalance() throws {
            #expect(try decode("x-aicore: {port_env: PORT}").service.aicore.proxy.balance == .roundRobin)
            let aicore = try decode("x-aicore:\n  proxy: {balance: least_connections}").service.aicore
            #expect(aicore.proxy.balance == .leastConnections)
        }

        @Test("proxy connect: at the client's first bytes unless the server speaks first")
        func proxyConnect() throws {
            #expect(try decode("x-aicore: {port_env: PORT}").service.aicore.proxy.connect == .onFirstData)
            let aicore = try decode("x-aicore:\n  proxy: {connect: on_accept}").service.aicore
            #expect(aicore.proxy.connect == .onAccept)
            #expect(aicore.proxy.balance == .roundRobin)
        }
    }
}

// MARK: - Stack-wide forms: profiles, x- keys, anchors, names

extension ServiceDecoderTests {
    @Suite("profiles, extensions, anchors and the stack name")
    struct StackForms {
        static let profiled = """
            services:
              web:
                command: sleep 1
              debug:
                command: sleep 1
                profiles: [debug]
              tools:
                command: sleep 1
                profiles: [tools, ops]
            """

        static let profileCases: [(profiles: [String], environment: [String: String], services: [String])] = [
            ([], [:], ["web"]),
            (["debug"], [:], ["debug", "web"]),
            (["ops"], [:], ["tools", "web"]),
            ([], ["COMPOSE_PROFILES": "debug"], ["debug", "web"]),
            (["debug"], ["COMPOSE_PROFILES": "tools, other"], ["debug", "tools", "web"]),
            (["*"], [:], ["debug", "tools", "web"]),
        ]

        @Test("a service with profiles runs only when one is active (--profile or COMPOSE_PROFILES)", arguments: profileCases)
        func profiles(_ example: (profiles: [String], environment: [String: String], services: [String])) throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            try fixture.write("stack.yml", Self.profiled)
            let loaded = try fixture.load(environment: example.environment, profiles: example.profiles)
            #expect(loaded.stack.services.map(\.name) == example.services)
            if let tools = loaded.stack.service(named: "tools") { #expect(tools.profiles == ["tools", "ops"]) }
        }

        @Test("x- keys are accepted anywhere and kept where Compose keeps them")
        func extensionKeys() throws {
            let yaml = """
                x-owner: platform
                x-common:
                  retries: 3
                services:
                  api:
                    command: sleep 1
                    x-team: core
                    deploy:
                      x-note: nested
                      resources:
                        x-why: because
                        limits: {memory: 1g}
                    healthcheck:
                      test: "true"
                      x-flaky: false
                    ports:
                      - {target: 80, x-doc: http}
                volumes:
                  data:
                    x-backup: daily
                """
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let loaded = try fixture.load(yaml: yaml)
            #expect(loaded.warnings.filter { $0.keyPath.contains("x-") }.isEmpty)
            #expect(loaded.stack.extensions["x-owner"] == .string("platform"))
            #expect(loaded.stack.extensions["x-common"] == .object([("retries", .int(3))]))
            let api = try #require(loaded.stack.service(named: "api"))
            #expect(api.extensions == ["x-team": .string("core")])
            #expect(api.deploy.limits.memory == ByteSize(bytes: 1 << 30))
        }

        @Test("anchors and merge keys; a mapping's own keys win over merged ones")
        func anchorsAndMergeKeys() throws {
            let yaml = """
                x-defaults: &defaults
                  restart: always
                  environment:
                    LOG: info
                  stop_signal: SIGQUIT
                x-command: &command ["sleep", "5"]
                services:
                  api:
                    <<: *defaults
                    command: *command
                  worker:
                    <<: *defaults
                    command: sleep 1
                    restart: on-failure
                """
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let stack = try fixture.load(yaml: yaml).stack
            let api = try #require(stack.service(named: "api"))
            let worker = try #require(stack.service(named: "worker"))
            #expect(api.command == ["sleep", "5"])
            #expect(api.restart.condition == .always)
            #expect(api.environment == ["LOG": "info"])
            #expect(api.stopSignal.name == "SIGQUIT")
            #expect(worker.restart.condition == .onFailure)
            #expect(worker.environment == ["LOG": "info"])
        }

        @Test("a list of merges: earlier sources win over later ones, own keys over all")
        func mergeList() throws {
            let yaml = """
                x-a: &a {restart: always, user: alice}
                x-b: &b {restart: "no", user: bob, hostname: from-b}
                services:
                  api:
                    <<: [*a, *b]
                    command: sleep 1
                    hostname: own
                """
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let api = try #require(try fixture.load(yaml: yaml).stack.service(named: "api"))
            #expect(api.restart.condition == .always)
            #expect(api.user == "alice")
            #expect(api.hostname == "own")
        }

        static let names: [(directory: String, name: String?, projectName: String?, environment: [String: String], expected: String)] = [
            ("plain", "shop", nil, [:], "shop"),
            ("plain", "shop", "override", [:], "override"),
            ("plain", nil, "override", [:], "override"),
            ("plain", "shop", nil, ["COMPOSE_PROJECT_NAME": "fromenv"], "fromenv"),
            ("my-stack", nil, nil, [:], "my-stack"),
            ("My Project!", nil, nil, [:], "myproject"),
            ("__Under_Score", nil, nil, [:], "under_score"),
            ("!!!", nil, nil, [:], "default"),
        ]

        @Test("the stack name comes from -p, then `name:`, then the sanitized directory", arguments: names)
        func stackName(_ example: (directory: String, name: String?, projectName: String?, environment: [String: String], expected: String)) throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let file = example.directory + "/stack.yml"
            try fixture.write(file, (example.name.map { "name: \($0)\n" } ?? "") + StackFixture.apiHeader)
            let loaded = try fixture.load([file], environment: example.environment, projectName: example.projectName)
            #expect(loaded.stack.name == example.expected)
        }

        @Test("named volumes are called <stack>_<key> unless they have a name")
        func volumeNames() throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let yaml = "name: shop\n" + StackFixture.apiHeader + "volumes:\n  data:\n  logs:\n    name: shared-logs\n  ext:\n    external: true\n"
            let volumes = try fixture.load(yaml: yaml).stack.volumes
            #expect(volumes.map(\.name) == ["shop_data", "shared-logs", "ext"])
            #expect(volumes.map(\.external) == [false, false, true])
        }
    }
}
