import Foundation
import Testing

@testable import AICoreSpec

/// Loader-wide behaviour: strict mode, where variables come from, and warnings.
@Suite("StackLoader")
struct StackLoaderTests {
    static func load(_ yaml: String, strict: Bool = false) throws(StackLoadError) -> LoadedStack {
        let fixture: StackFixture
        do {
            fixture = try StackFixture()
        } catch {
            throw StackLoadError(diagnostics: [.error("cannot create fixture: \(error)", at: nil, path: "")])
        }
        defer { fixture.remove() }
        return try fixture.load(yaml: yaml, strict: strict)
    }

    static func diagnostics(_ yaml: String, strict: Bool) -> [Diagnostic] {
        do {
            return try load(yaml, strict: strict).warnings
        } catch {
            return error.diagnostics
        }
    }
}

// MARK: - Strict mode

extension StackLoaderTests {
    /// A stack file, and where its one diagnostic is and what it says.
    struct KeyCase: CustomTestStringConvertible, Sendable {
        let description: String
        let yaml: String
        let line: Int
        let column: Int
        let keyPath: String
        let message: String
        var testDescription: String { description }
    }

    /// Keys whose absence would change what runs: warnings normally, errors under --strict.
    static let unsupported: [KeyCase] = [
        KeyCase(
            description: "build ssh", yaml: StackFixture.apiHeader + "    build:\n      dockerfile_inline: FROM busybox\n      ssh: [default]\n",
            line: 6, column: 7, keyPath: "services.api.build.ssh", message: "`ssh` is not supported"),
        KeyCase(
            description: "privileged", yaml: StackFixture.apiHeader + "    privileged: true\n", line: 4, column: 5,
            keyPath: "services.api.privileged", message: "`privileged: true` is refused: it gives the instance every capability"),
        KeyCase(
            description: "ipam aux_addresses",
            yaml: StackFixture.apiHeader + "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.30.0.0/24\n          aux_addresses: {router: 10.30.0.5}\n",
            line: 9, column: 11, keyPath: "networks.back.ipam.config[0].aux_addresses", message: "`aux_addresses` is not supported"),
        KeyCase(
            description: "a volume driver", yaml: StackFixture.apiHeader + "volumes:\n  data:\n    driver: nfs\n", line: 6, column: 13,
            keyPath: "volumes.data.driver", message: "volume driver `nfs` is not supported"),
    ]

    @Test("an unsupported key is a located warning", arguments: unsupported)
    func unsupportedWarns(_ key: KeyCase) throws {
        let warnings = try Self.load(key.yaml).warnings.filter { $0.keyPath == key.keyPath }
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect(warning.severity == .warning)
        #expect(warning.kind == .unsupported)
        #expect(warning.blocksRun)
        #expect(warning.location?.line == key.line)
        #expect(warning.location?.column == key.column)
        #expect(warning.message.contains(key.message))
    }

    @Test("an unsupported key is an error at the same place under --strict", arguments: unsupported)
    func unsupportedFailsStrict(_ key: KeyCase) throws {
        let errors = Self.diagnostics(key.yaml, strict: true).filter(\.isError)
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.keyPath == key.keyPath)
        #expect(error.location?.line == key.line)
        #expect(error.location?.column == key.column)
        #expect(error.message.contains(key.message))
    }

    /// Keys whose absence changes nothing that matters on one host: warnings, even under --strict.
    static let ignored: [KeyCase] = [
        KeyCase(
            description: "version", yaml: "version: \"3.9\"\n" + StackFixture.apiHeader, line: 1, column: 1, keyPath: "version",
            message: "`version` is obsolete and ignored"),
        KeyCase(
            description: "container_name", yaml: StackFixture.apiHeader + "    container_name: my-api\n", line: 4, column: 5,
            keyPath: "services.api.container_name", message: "`container_name` is ignored"),
        KeyCase(
            description: "attachable", yaml: StackFixture.apiHeader + "networks:\n  back:\n    attachable: true\n", line: 6, column: 5,
            keyPath: "networks.back.attachable", message: "`attachable` is not applied"),
        KeyCase(
            description: "driver_opts", yaml: StackFixture.apiHeader + "networks:\n  back:\n    driver_opts: {mtu: 1400}\n", line: 6, column: 5,
            keyPath: "networks.back.driver_opts", message: "`driver_opts` is not applied"),
        KeyCase(
            description: "deploy.placement", yaml: StackFixture.apiHeader + "    deploy:\n      placement: {}\n", line: 5, column: 7,
            keyPath: "services.api.deploy.placement", message: "`placement` has no meaning on a single host"),
    ]

    @Test("an ignored key stays a located warning under --strict", arguments: ignored)
    func ignoredStaysWarning(_ key: KeyCase) throws {
        for strict in [false, true] {
            let loaded = try Self.load(key.yaml, strict: strict)
            let warning = try #require(loaded.warnings.first { $0.keyPath == key.keyPath })
            #expect(warning.severity == .warning)
            #expect(warning.kind == .ignored)
            #expect(!warning.blocksRun)
            #expect(warning.location?.line == key.line)
            #expect(warning.location?.column == key.column)
            #expect(warning.message.contains(key.message))
        }
    }

    @Test("under --strict every unsupported key fails while ignored keys still warn, all in one report")
    func strictReport() {
        let yaml = """
            version: "3.9"
            services:
              api:
                command: sleep 1
                gpus: all
                privileged: true
                device_cgroup_rules: ["c 10:200 rwm"]
                container_name: x
            """
        let diagnostics = Self.diagnostics(yaml, strict: true)
        #expect(diagnostics.filter(\.isError).map(\.keyPath) == ["services.api.gpus", "services.api.privileged", "services.api.device_cgroup_rules"])
        #expect(diagnostics.filter { !$0.isError }.map(\.keyPath) == ["version", "services.api.container_name"])
    }

    @Test("blockingWarnings lists the warnings that starting the stack turns into errors")
    func blockingWarnings() throws {
        let loaded = try Self.load("version: \"3\"\n" + StackFixture.apiHeader + "    gpus: all\n")
        #expect(loaded.blockingWarnings.map(\.keyPath) == ["services.api.gpus"])
        #expect(loaded.warnings.count == 2)
    }
}

// MARK: - Variables

extension StackLoaderTests {
    static let stack = StackFixture.apiHeader + "    environment:\n      VALUE: ${VALUE:-default}\n"

    static let sources: [(description: String, environment: [String: String], dotEnv: String?, envFile: String?, expected: String)] = [
        ("the default when nothing sets it", [:], nil, nil, "default"),
        ("the process environment", ["VALUE": "process"], nil, nil, "process"),
        (".env beside the stack file", [:], "VALUE=dotenv", nil, "dotenv"),
        ("the process environment over .env", ["VALUE": "process"], "VALUE=dotenv", nil, "process"),
        ("--env-file over the process environment", ["VALUE": "process"], nil, "VALUE=envfile", "envfile"),
        ("--env-file instead of .env", [:], "VALUE=dotenv", "OTHER=1", "default"),
    ]

    @Test("interpolation reads", arguments: sources)
    func variableSources(_ source: (description: String, environment: [String: String], dotEnv: String?, envFile: String?, expected: String)) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", Self.stack)
        if let dotEnv = source.dotEnv { try fixture.write(".env", dotEnv) }
        if let envFile = source.envFile { try fixture.write("custom.env", envFile) }
        let loaded = try fixture.load(environment: source.environment, envFiles: source.envFile == nil ? [] : ["custom.env"])
        #expect(loaded.stack.service(named: "api")?.environment["VALUE"] == source.expected)
    }

    @Test("an unset variable without a default warns, located, and becomes empty")
    func unsetVariableWarns() throws {
        let loaded = try Self.load(StackFixture.apiHeader + "    environment:\n      URL: http://${HOST}/\n")
        #expect(loaded.stack.service(named: "api")?.environment["URL"] == "http:///")
        let warning = try #require(loaded.warnings.first)
        #expect(warning.kind == .unsetVariable)
        #expect(warning.keyPath == "services.api.environment.URL")
        #expect(warning.location?.line == 5)
        #expect(warning.location?.column == 12)
        #expect(warning.message.contains(#""HOST" variable is not set"#))
    }

    @Test("interpolation applies to values, not keys")
    func keysAreNotInterpolated() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(
            yaml: StackFixture.apiHeader + "    labels:\n      $KEY: $VALUE\n", environment: ["KEY": "k", "VALUE": "v"])
        #expect(loaded.stack.service(named: "api")?.labels == ["$KEY": "v"])
    }
}
