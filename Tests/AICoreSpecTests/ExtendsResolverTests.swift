import Foundation
import Testing

@testable import AICoreSpec

/// `services.<name>.extends`: a service built on another, by Compose's merge rules.
@Suite("extends")
struct ExtendsResolverTests {
    static let common = """
        services:
          webapp:
            command: sleep 1
            user: app
            environment: {LOG: info, REGION: eu}
            ports: ["8080:80"]
            volumes:
              - ./static:/srv/static
              - ./conf:/etc/app:ro
            env_file: app.env
            healthcheck:
              test: ["CMD", "true"]
              interval: 10s
        """

    /// Writes `stack.yml` (and `shared/common.yml`, `shared/app.env`) and loads it.
    static func load(_ stack: String, extra: [String: String] = [:]) throws -> (stack: Stack, fixture: String) {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("shared/common.yml", common)
        try fixture.write("shared/app.env", "FROM_FILE=yes\n")
        for (name, text) in extra { try fixture.write(name, text) }
        try fixture.write("stack.yml", stack)
        return (try fixture.load().stack, fixture.baseDirectory)
    }

    @Test("a service extends another of the same file: mappings merge, its own scalars win, lists append")
    func sameFile() throws {
        let stack = try Self.load(
            """
            services:
              base:
                command: sleep 1
                user: app
                environment: [LOG=info, REGION=eu]
                ports: ["80"]
                labels: {tier: web}
              api:
                extends: base
                user: root
                command: sleep 2
                environment: {LOG: debug}
                ports: ["90"]
            """
        ).stack
        let api = try #require(stack.service(named: "api"))
        #expect(api.user == "root")
        #expect(api.command == ["sleep", "2"])
        #expect(api.environment == ["LOG": "debug", "REGION": "eu"])
        #expect(api.ports.map(\.target) == [80, 90])
        #expect(api.labels == ["tier": "web"])
        // The extended service stays a service of its own.
        #expect(stack.service(named: "base")?.user == "app")
    }

    @Test("a service of another file: its relative paths resolve against that file's directory")
    func otherFile() throws {
        let (stack, directory) = try Self.load(
            """
            services:
              api:
                extends:
                  file: shared/common.yml
                  service: webapp
                volumes:
                  - ./conf:/etc/app
            """)
        #expect(stack.services.map(\.name) == ["api"])
        let api = try #require(stack.service(named: "api"))
        #expect(api.environment == ["LOG": "info", "REGION": "eu", "FROM_FILE": "yes"])
        let sources = Dictionary(uniqueKeysWithValues: api.volumes.map { ($0.target, $0.source) })
        #expect(sources["/srv/static"] == directory + "/shared/static")
        // Volumes merge by target: the extending service's own mount wins, read-write.
        #expect(sources["/etc/app"] == directory + "/conf")
        #expect(api.volumes.first { $0.target == "/etc/app" }?.readOnly == false)
        #expect(api.healthcheck?.interval == .seconds(10))
    }

    @Test("extends chains, across files: each link resolves relative to its own file")
    func chain() throws {
        let stack = try Self.load(
            """
            services:
              api:
                extends: {file: shared/more.yml, service: middle}
                environment: {LOG: debug}
            """,
            extra: [
                "shared/more.yml": """
                services:
                  middle:
                    extends: {file: common.yml, service: webapp}
                    user: middle
                    environment: {REGION: us}
                """
            ]
        ).stack
        let api = try #require(stack.service(named: "api"))
        #expect(api.user == "middle")
        #expect(api.environment == ["LOG": "debug", "REGION": "us", "FROM_FILE": "yes"])
        #expect(api.command == ["sleep", "1"])
    }

    @Test("depends_on is inherited, as in Compose v2; the services it names are not imported")
    func dependenciesAreInherited() throws {
        let stack = try Self.load(
            """
            services:
              db:
                command: sleep 1
              base:
                command: sleep 1
                depends_on: [db]
              api:
                extends: base
            """
        ).stack
        #expect(stack.service(named: "api")?.dependsOn.map(\.service) == ["db"])
    }

    @Test("!reset drops an inherited value and !override replaces one instead of merging")
    func tagsApplyToExtends() throws {
        let stack = try Self.load(
            """
            services:
              api:
                extends: {file: shared/common.yml, service: webapp}
                ports: !reset []
                environment: !override {ONLY: this}
                user: !reset null
            """
        ).stack
        let api = try #require(stack.service(named: "api"))
        #expect(api.ports.isEmpty)
        #expect(api.environment == ["ONLY": "this", "FROM_FILE": "yes"])
        #expect(api.user == nil)
    }

    // MARK: Bad input

    struct BadExtends: CustomTestStringConvertible, Sendable {
        let description: String
        let stack: String
        let line: Int
        let column: Int
        let keyPath: String
        let message: String
        var testDescription: String { description }
    }

    static let badInput: [BadExtends] = [
        BadExtends(
            description: "a service that extends itself",
            stack: "services:\n  api:\n    command: sleep 1\n    extends: api\n", line: 4, column: 14,
            keyPath: "services.api.extends", message: "extends cycle: api → api"),
        BadExtends(
            description: "two services that extend each other",
            stack: "services:\n  a:\n    extends: b\n  b:\n    command: sleep 1\n    extends: a\n", line: 6, column: 14,
            keyPath: "services.b.extends", message: "extends cycle: a → b → a"),
        BadExtends(
            description: "a service that is not defined",
            stack: "services:\n  api:\n    extends:\n      service: nothing\n", line: 4, column: 16,
            keyPath: "services.api.extends.service", message: "extends service `nothing`, which is not defined in this stack"),
        BadExtends(
            description: "a service that the other file does not define",
            stack: "services:\n  api:\n    extends: {file: shared/common.yml, service: web}\n", line: 3, column: 49,
            keyPath: "services.api.extends.service", message: "extends service `web`, which is not defined in FILE:shared/common.yml"),
        BadExtends(
            description: "a file that does not exist",
            stack: "services:\n  api:\n    extends:\n      service: webapp\n      file: nowhere.yml\n", line: 5, column: 13,
            keyPath: "services.api.extends.file", message: "cannot extend a service of FILE:nowhere.yml: it does not exist"),
        BadExtends(
            description: "a mapping without `service`",
            stack: "services:\n  api:\n    extends:\n      file: shared/common.yml\n", line: 4, column: 7,
            keyPath: "services.api.extends", message: "`extends` needs the `service` to extend"),
        BadExtends(
            description: "a misspelt key",
            stack: "services:\n  webapp:\n    command: sleep 1\n  api:\n    extends:\n      service: webapp\n      files: shared/common.yml\n",
            line: 7, column: 7,
            keyPath: "services.api.extends.files", message: "unknown key `files` in extends; did you mean `file`?"),
        BadExtends(
            description: "a file without services",
            stack: "services:\n  api:\n    extends: {service: web, file: shared/app.env}\n", line: 3, column: 35,
            keyPath: "services.api.extends.file", message: "expected FILE:shared/app.env to have a `services` mapping, found none"),
        BadExtends(
            description: "a list",
            stack: "services:\n  api:\n    extends: [webapp]\n", line: 3, column: 14,
            keyPath: "services.api.extends", message: "expected a service name, or a mapping with `service` and `file`, found a list"),
    ]

    @Test("a bad extends is one error, located where it is written", arguments: badInput)
    func badExtends(_ input: BadExtends) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("shared/common.yml", Self.common)
        try fixture.write("shared/app.env", "FROM_FILE=yes\n")
        try fixture.write("stack.yml", input.stack)
        let errors = fixture.errors(loading: ["stack.yml"])
        #expect(errors.count == 1, "errors: \(errors.map(\.description))")
        let error = try #require(errors.first)
        #expect(error.location?.file == fixture.directory + "/stack.yml")
        #expect(error.location?.line == input.line)
        #expect(error.location?.column == input.column)
        #expect(error.keyPath == input.keyPath)
        let message = input.message.replacingOccurrences(of: "FILE:", with: fixture.baseDirectory + "/")
        #expect(error.message.contains(message), "message: \(error.message)")
    }

    @Test("a cycle across files names each file, and is located where it closes")
    func cycleAcrossFiles() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("other.yml", "services:\n  b:\n    extends: {file: stack.yml, service: a}\n")
        try fixture.write("stack.yml", "services:\n  a:\n    extends: {file: other.yml, service: b}\n")
        let errors = fixture.errors(loading: ["stack.yml"])
        #expect(errors.count == 1, "errors: \(errors.map(\.description))")
        let error = try #require(errors.first)
        #expect(error.message.contains("extends cycle:"))
        #expect(error.message.contains("b (other.yml)"))
    }

    @Test("a stack sent to the agent cannot extend a service of a file on the agent's disk")
    func sentStackReadsNoDisk() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("shared/common.yml", Self.common)
        let path = fixture.directory + "/sent.yml"
        var options = StackLoadOptions(files: [path], environment: [:])
        options.contents = [path: "services:\n  api:\n    extends: {file: shared/common.yml, service: webapp}\n"]
        options.readsDotEnv = false
        let error = #expect(throws: StackLoadError.self) { try StackLoader.load(options) }
        #expect(error?.errors.count == 1)
        #expect(error?.errors.first?.keyPath == "services.api.extends.file")
        #expect(error?.errors.first?.message.contains("it is not part of the stack sent to the agent") == true)
    }

    @Test("an error in an inherited value is located in the extended file")
    func inheritedErrorLocated() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("base.yml", "services:\n  web:\n    command: sleep 1\n    restart: sometimes\n")
        try fixture.write("stack.yml", "services:\n  api:\n    extends: {file: base.yml, service: web}\n")
        let error = try #require(fixture.errors(loading: ["stack.yml"]).first)
        #expect(error.location?.file == fixture.baseDirectory + "/base.yml")
        #expect(error.location?.line == 4)
        #expect(error.keyPath == "services.api.restart")
    }

    @Test("an error in a value both services hold is reported once, where it is written")
    func inheritedErrorOnce() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let errors = fixture.errors(yaml: """
            services:
              base:
                command: sleep 1
                ports: ["notaport"]
              app:
                extends: base
            """)
        #expect(errors.count == 1, "\(errors.map(\.description))")
        #expect(errors.first?.keyPath == "services.base.ports[0]" && errors.first?.location?.line == 4)
    }
}
