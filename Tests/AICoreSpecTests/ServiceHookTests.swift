import Foundation
import Testing

@testable import AICoreSpec

/// Compose's lifecycle hooks, `post_start` and `pre_stop`: every shape the spec allows, the
/// located error of every bad one, and `config print` giving them back.
@Suite("Lifecycle hooks")
struct ServiceHookTests {
    static let hooksStack = """
        services:
          web:
            command: ["/bin/sleep", "1000"]
            user: "1000:1000"
            post_start:
              - command: /bin/sh -c 'echo "started here" > /tmp/started'
              - command: ["/usr/bin/touch", "/tmp/second"]
                user: "1000:1000"
                privileged: false
                working_dir: /tmp
                environment:
                  MODE: warm
                  EMPTY: ""
            pre_stop:
              - command: ["/bin/sh", "-c", "sync"]
                user: root
                environment: [DRAIN=1, FROM_AGENT]
        """

    @Test("every field of a hook is read, in order, a string command split as `command` is")
    func allShapes() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: Self.hooksStack, environment: ["FROM_AGENT": "yes"])
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        let web = try #require(loaded.stack.service(named: "web"))
        #expect(web.postStart == [
            ServiceHook(command: ["/bin/sh", "-c", "echo \"started here\" > /tmp/started"]),
            ServiceHook(command: ["/usr/bin/touch", "/tmp/second"], user: "1000:1000", workingDir: "/tmp",
                        environment: ["MODE": "warm", "EMPTY": ""]),
        ])
        // Another user than the service's: the hook runs as it (root here, with root's capabilities).
        #expect(web.preStop == [ServiceHook(command: ["/bin/sh", "-c", "sync"], user: "root",
                                            environment: ["DRAIN": "1", "FROM_AGENT": "yes"])])
    }

    @Test("a privileged hook is taken on a privileged service, and given back by config print")
    func privilegedHookOnAPrivilegedService() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", """
            services:
              web:
                command: [/bin/true]
                privileged: true
                post_start:
                  - command: /bin/true
                    privileged: true
            """)
        var options = StackLoadOptions(files: [fixture.directory + "/stack.yml"], strict: true, environment: [:])
        options.allowsPrivileged = true
        let loaded = try StackLoader.load(options)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.stack.service(named: "web")?.postStart == [ServiceHook(command: ["/bin/true"], privileged: true)])
        let printed = StackPrinter.render(loaded.stack, format: .yaml)
        #expect(printed.components(separatedBy: "privileged: true\n").count - 1 == 2, "\(printed)")
    }

    @Test("a service without hooks has none")
    func noHooks() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let web = try #require(try fixture.load(yaml: "services:\n  web:\n    command: [/bin/true]\n").stack.service(named: "web"))
        #expect(web.postStart.isEmpty && web.preStop.isEmpty)
    }

    @Test("config print gives the hooks back: printing and reloading gives the same model", arguments: StackPrinter.Format.allCases)
    func roundTrip(format: StackPrinter.Format) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let original = try fixture.load(yaml: Self.hooksStack, environment: ["FROM_AGENT": "yes"]).stack
        let printed = StackPrinter.render(original, format: format)
        #expect(printed.contains("post_start") && printed.contains("pre_stop"))
        try fixture.write("printed.\(format.rawValue)", printed)
        let reloaded = try fixture.load(["printed.\(format.rawValue)"]).stack
        #expect(reloaded == original)
    }

    @Test("a changed hook is a new revision of the service")
    func hookChangesTheSpecHash() throws {
        var service = Service(name: "web")
        service.command = ["/bin/true"]
        let before = ServiceSpecHash.of(service)
        service.preStop = [ServiceHook(command: ["/bin/true"])]
        #expect(ServiceSpecHash.of(service) != before)
    }

    @Test("reports the error at its line, column and key path", arguments: badInputs)
    func locatedError(_ input: BadInputTests.BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }

    static let badInputs: [BadInputTests.BadInput] = [
        .init("post_start is a mapping, not a list", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  command: /bin/true
            """, at: 5, 7, "services.web.post_start", "expected a list of hooks ({command, user, privileged, working_dir, environment}), found a mapping"),
        .init("a hook is a string, not a mapping", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - /bin/true
            """, at: 5, 9, "services.web.pre_stop[0]", "expected a mapping, found \"/bin/true\""),
        .init("a hook without a command", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - working_dir: /tmp
            """, at: 5, 9, "services.web.post_start[0]", "a hook needs a `command`"),
        .init("a hook whose command is empty", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - command: []
            """, at: 5, 18, "services.web.pre_stop[0].command", "expected a command, found an empty one"),
        .init("a hook whose command is a mapping", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - command: {run: x}
            """, at: 5, 18, "services.web.pre_stop[0].command", "expected a command string or a list of strings, found a mapping"),
        .init("a hook whose command has an open quote", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - command: echo 'open
            """, at: 5, 18, "services.web.post_start[0].command", "cannot split the command"),
        .init("a hook's working_dir is relative", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - command: /bin/true
                    working_dir: tmp
            """, at: 6, 22, "services.web.post_start[0].working_dir", "expected an absolute path, found \"tmp\""),
        .init("a hook's user is empty", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - command: /bin/true
                    user: ""
            """, at: 6, 15, "services.web.pre_stop[0].user", "expected a user name or uid[:gid], found an empty string"),
        .init("a hook's user is a list", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - command: /bin/true
                    user: [root]
            """, at: 6, 15, "services.web.post_start[0].user", "expected a user name or uid[:gid], found a list"),
        .init("a hook's environment has a bad name", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - command: /bin/true
                    environment: ["1BAD=x"]
            """, at: 6, 23, "services.web.post_start[0].environment[0]", "invalid variable name \"1BAD\""),
        .init("a hook's privileged is not a boolean", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - command: /bin/true
                    privileged: sometimes
            """, at: 6, 21, "services.web.pre_stop[0].privileged", "expected"),
        .init("a privileged hook on a service that is not privileged", """
            services:
              web:
                command: [/bin/true]
                pre_stop:
                  - command: /bin/true
                    privileged: true
            """, at: 6, 21, "services.web.pre_stop[0].privileged", "a privileged hook needs a privileged service: a hook never holds more than its instance"),
        .init("an unknown key in a hook, with a did-you-mean", """
            services:
              web:
                command: [/bin/true]
                post_start:
                  - command: /bin/true
                    enviroment: {A: b}
            """, at: 6, 9, "services.web.post_start[0].enviroment", "unknown key `enviroment` in hook; did you mean `environment`?"),
    ]
}
