import Foundation
import Testing

@testable import AICoreSpec

/// Top-level `include`: each included file is a project of its own whose resources join the stack.
@Suite("include")
struct IncludeResolverTests {
    static let database = """
        services:
          db:
            command: sleep ${NAP:-1}
            env_file: db.env
            volumes:
              - ./data:/var/lib/db
              - dbdata:/backup
            networks: [back]
        networks:
          back: {}
        volumes:
          dbdata: {}
        """

    /// A fixture with `db/compose.yml` (and its env file) written.
    static func fixture() throws -> StackFixture {
        let fixture = try StackFixture()
        try fixture.write("db/compose.yml", database)
        try fixture.write("db/db.env", "ROLE=primary\n")
        return fixture
    }

    @Test("an included file's services, networks and volumes join the stack, its paths relative to its own directory")
    func includesAProject() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        try fixture.write(
            "stack.yml",
            """
            include:
              - db/compose.yml
            services:
              api:
                command: sleep 1
                depends_on: [db]
            """)
        let stack = try fixture.load().stack
        #expect(stack.services.map(\.name) == ["api", "db"])
        let db = try #require(stack.service(named: "db"))
        #expect(db.environment == ["ROLE": "primary"])
        #expect(db.volumes.first { $0.target == "/var/lib/db" }?.source == fixture.baseDirectory + "/db/data")
        #expect(stack.networks.map(\.key).contains("back"))
        #expect(stack.volumes.map(\.key) == ["dbdata"])
    }

    @Test("an included project interpolates with its own .env, where the including project leaves a variable unset")
    func ownDotEnv() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        try fixture.write("db/.env", "NAP=7\n")
        try fixture.write("stack.yml", "include: [db/compose.yml]\nservices: {}\n")
        #expect(try fixture.load().stack.service(named: "db")?.command == ["sleep", "7"])
        #expect(try fixture.load(environment: ["NAP": "3"]).stack.service(named: "db")?.command == ["sleep", "3"])
    }

    @Test("the long form: several files merged, a project directory, and env files")
    func longForm() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        try fixture.write("db/compose.override.yml", "services:\n  db:\n    user: postgres\n")
        try fixture.write("vars.env", "NAP=9\n")
        try fixture.write("shared/db.env", "ROLE=replica\n")
        try fixture.write(
            "stack.yml",
            """
            include:
              - path: [db/compose.yml, db/compose.override.yml]
                project_directory: shared
                env_file: vars.env
            services: {}
            """)
        let db = try #require(try fixture.load().stack.service(named: "db"))
        #expect(db.user == "postgres")
        #expect(db.command == ["sleep", "9"])
        #expect(db.environment == ["ROLE": "replica"])
        // Relative paths resolve against `project_directory`, not the file's directory.
        #expect(db.volumes.first { $0.target == "/var/lib/db" }?.source == fixture.baseDirectory + "/shared/data")
    }

    @Test("an include inside an included file resolves against that project's directory")
    func nestedInclude() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        try fixture.write("app/compose.yml", "include: [../db/compose.yml]\nservices:\n  web:\n    command: sleep 1\n")
        try fixture.write("stack.yml", "include: [app/compose.yml]\nservices: {}\n")
        #expect(try fixture.load().stack.services.map(\.name) == ["db", "web"])
    }

    @Test("an included project's extends resolves against its own directory, and the extended file's paths against that file's")
    func extendsInsideInclude() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("app/base/common.yml", "services:\n  web:\n    command: sleep 1\n    volumes: [./static:/static]\n")
        try fixture.write("app/compose.yml", "services:\n  web:\n    extends: {file: base/common.yml, service: web}\n    user: app\n")
        try fixture.write("stack.yml", "include: [app/compose.yml]\nservices: {}\n")
        let web = try #require(try fixture.load().stack.service(named: "web"))
        #expect(web.user == "app")
        #expect(web.volumes.map(\.source) == [fixture.baseDirectory + "/app/base/static"])
    }

    @Test("a later -f file may override an included service")
    func overriddenByLaterFile() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", "include: [db/compose.yml]\nservices: {}\n")
        try fixture.write("override.yml", "services:\n  db:\n    user: nobody\n")
        #expect(try fixture.load(["stack.yml", "override.yml"]).stack.service(named: "db")?.user == "nobody")
    }

    @Test("two included projects may define the same network alike")
    func sameDefinitionTwice() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("a.yml", "services:\n  a:\n    command: sleep 1\nnetworks:\n  shared: {internal: true}\n")
        try fixture.write("b.yml", "services:\n  b:\n    command: sleep 1\nnetworks:\n  shared: {internal: true}\n")
        try fixture.write("stack.yml", "include: [a.yml, b.yml]\nservices: {}\n")
        let stack = try fixture.load().stack
        #expect(stack.services.map(\.name) == ["a", "b"])
        #expect(stack.networks.filter { $0.key == "shared" }.count == 1)
    }

    @Test("a stack sent to the agent cannot include a file from the agent's disk")
    func sentStackReadsNoDisk() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/sent.yml"
        var options = StackLoadOptions(files: [path], environment: [:])
        options.contents = [path: "include: [db/compose.yml]\nservices: {}\n"]
        options.readsDotEnv = false
        let error = #expect(throws: StackLoadError.self) { try StackLoader.load(options) }
        #expect(error?.errors.first?.message.contains("is not part of the stack sent to the agent") == true)
    }

    // MARK: Bad input

    struct BadInclude: CustomTestStringConvertible, Sendable {
        let description: String
        let stack: String
        /// Other files, by name.
        let files: [String: String]
        let line: Int
        let column: Int
        let keyPath: String
        let message: String
        /// The file the error is in.
        var file = "stack.yml"
        var testDescription: String { description }
    }

    static let badInput: [BadInclude] = [
        BadInclude(
            description: "a service both the file and the included project define",
            stack: "include:\n  - db/compose.yml\nservices:\n  db:\n    command: sleep 1\n",
            files: ["db/compose.yml": database], line: 2, column: 5, keyPath: "include[0]",
            message: "service `db` of FILE:db/compose.yml is also defined by this file"),
        BadInclude(
            description: "a network two included projects define differently",
            stack: "include:\n  - a.yml\n  - b.yml\nservices: {}\n",
            files: [
                "a.yml": "services:\n  a:\n    command: sleep 1\nnetworks:\n  shared: {internal: true}\n",
                "b.yml": "services:\n  b:\n    command: sleep 1\nnetworks:\n  shared: {}\n",
            ],
            line: 3, column: 5, keyPath: "include[1]", message: "network `shared` of FILE:b.yml conflicts with the one another include defines"),
        BadInclude(
            description: "a file that does not exist",
            stack: "services: {}\ninclude:\n  - path: nowhere.yml\n", files: [:], line: 3, column: 5, keyPath: "include[0]",
            message: "cannot include FILE:nowhere.yml: it does not exist"),
        BadInclude(
            description: "a file that includes the file including it",
            stack: "include: [a.yml]\nservices: {}\n",
            files: ["a.yml": "include: [stack.yml]\nservices: {}\n"], line: 1, column: 11, keyPath: "include[0]",
            message: "include cycle: stack.yml → a.yml → stack.yml", file: "a.yml"),
        BadInclude(
            description: "a file that includes itself",
            stack: "include: [stack.yml]\nservices: {}\n", files: [:], line: 1, column: 11, keyPath: "include[0]",
            message: "include cycle: stack.yml → stack.yml"),
        BadInclude(
            description: "a mapping instead of a list",
            stack: "include:\n  path: a.yml\nservices: {}\n", files: [:], line: 2, column: 3, keyPath: "include",
            message: "expected a list of files to include, found a mapping"),
        BadInclude(
            description: "an item without a path",
            stack: "include:\n  - project_directory: db\nservices: {}\n", files: [:], line: 2, column: 5, keyPath: "include[0]",
            message: "an include item needs a `path`"),
        BadInclude(
            description: "a misspelt key of an item",
            stack: "include:\n  - path: db/compose.yml\n    env_files: x.env\nservices: {}\n", files: ["db/compose.yml": database],
            line: 3, column: 5, keyPath: "include[0].env_files", message: "unknown key `env_files` in include item; did you mean `env_file`?"),
        BadInclude(
            description: "an env file that does not exist",
            stack: "include:\n  - path: db/compose.yml\n    env_file: missing.env\nservices: {}\n", files: ["db/compose.yml": database],
            line: 2, column: 5, keyPath: "include[0]", message: "the env file FILE:missing.env does not exist"),
        BadInclude(
            description: "a file that is a list, not a mapping",
            stack: "include: [list.yml]\nservices: {}\n", files: ["list.yml": "- a\n- b\n"], line: 1, column: 11, keyPath: "include[0]",
            message: "expected FILE:list.yml to hold a mapping, found a list"),
        BadInclude(
            description: "a list as the path of an item",
            stack: "include:\n  - [a.yml]\nservices: {}\n", files: [:], line: 2, column: 5, keyPath: "include[0]",
            message: "expected a file path, or a mapping with `path`, `project_directory` and `env_file`, found a list"),
    ]

    @Test("a bad include is one error, located at its item", arguments: badInput)
    func badInclude(_ input: BadInclude) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        for (name, text) in input.files { try fixture.write(name, text) }
        try fixture.write("stack.yml", input.stack)
        let errors = fixture.errors(loading: ["stack.yml"])
        #expect(errors.count == 1, "errors: \(errors.map(\.description))")
        let error = try #require(errors.first)
        let file = input.file == "stack.yml" ? fixture.directory + "/stack.yml" : fixture.baseDirectory + "/" + input.file
        #expect(error.location?.file == file)
        #expect(error.location?.line == input.line)
        #expect(error.location?.column == input.column)
        #expect(error.keyPath == input.keyPath)
        let message = input.message.replacingOccurrences(of: "FILE:", with: fixture.baseDirectory + "/")
        #expect(error.message.contains(message), "message: \(error.message)")
    }

    @Test("an error inside an included file is located in that file")
    func errorInIncludedFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("db/compose.yml", "services:\n  db:\n    command: sleep 1\n    restart: sometimes\n")
        try fixture.write("stack.yml", "include: [db/compose.yml]\nservices: {}\n")
        let error = try #require(fixture.errors(loading: ["stack.yml"]).first)
        #expect(error.location?.file == fixture.baseDirectory + "/db/compose.yml")
        #expect(error.location?.line == 4)
        #expect(error.keyPath == "services.db.restart")
    }
}
