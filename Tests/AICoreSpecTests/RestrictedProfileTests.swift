import AICoreSpec
import Testing

/// `x-aicore.security: restricted`: Kubernetes' Pod Security Standards "restricted" for one
/// service — filled in where the file is silent, a located error where it says otherwise.
@Suite struct RestrictedProfileTests {
    @Test func aRestrictedServiceDropsEveryCapabilityAndLeavesTheHostNetwork() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: """
            services:
              api:
                command: sleep 1
                user: "1000:1000"
                cap_add: [NET_BIND_SERVICE]
                x-aicore:
                  security: restricted
            """)
        let api = try #require(loaded.stack.service(named: "api"))
        #expect(api.aicore.security == .restricted)
        #expect(api.capDrop == ["ALL"] && api.capAdd == ["NET_BIND_SERVICE"])
        #expect(api.networkMode == NetworkMode.none)
        #expect(api.security.seccomp == .builtIn && api.security.noNewPrivileges)
        // What the agent receives (the printed stack) loads into the same service.
        let printed = StackPrinter.render(loaded.stack, format: .yaml)
        try fixture.write("printed.yml", printed)
        let again = try fixture.load(["printed.yml"])
        #expect(again.stack.service(named: "api") == api, "\(printed)")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var lines: String
        var at: (line: Int, column: Int)
        var path: String
        var message: String
        var testDescription: String { path }
    }

    @Test(arguments: [
        Refusal(lines: "", at: (4, 16), path: "services.api.x-aicore.security",
                message: "`x-aicore.security: restricted` runs as a non-root user: set `user:`, e.g. `user: \"1000:1000\"`"),
        Refusal(lines: "user: root", at: (5, 5), path: "services.api.user",
                message: "`x-aicore.security: restricted` runs as a non-root user, not `root`; e.g. `user: \"1000:1000\"`"),
        Refusal(lines: "user: \"0:0\"", at: (5, 5), path: "services.api.user",
                message: "`x-aicore.security: restricted` runs as a non-root user, not `0:0`; e.g. `user: \"1000:1000\"`"),
        Refusal(lines: "user: \"1000\"\n    cap_add: [SYS_PTRACE]", at: (6, 5), path: "services.api.cap_add[0]",
                message: "`x-aicore.security: restricted` drops every capability and lets only NET_BIND_SERVICE be added, not `SYS_PTRACE`"),
        Refusal(lines: "user: \"1000\"\n    security_opt: [seccomp=unconfined]", at: (6, 5), path: "services.api.security_opt",
                message: "`x-aicore.security: restricted` keeps seccomp on: remove `seccomp=unconfined`"),
        Refusal(lines: "user: \"1000\"\n    network_mode: host", at: (6, 5), path: "services.api.network_mode",
                message: "`x-aicore.security: restricted` keeps the service off the host network: write `network_mode: none` (a network of its own with only lo)"),
        Refusal(lines: "user: \"1000\"\n    network_mode: bridge", at: (6, 5), path: "services.api.network_mode",
                message: "`x-aicore.security: restricted` keeps the service off `network_mode: bridge`: write `network_mode: none` (a network of its own with only lo)"),
        Refusal(lines: "user: \"1000\"\n    networks: [default]", at: (6, 5), path: "services.api.networks",
                message: "`x-aicore.security: restricted` keeps the service off every network: remove `networks` (the service gets a network of its own with only lo)"),
    ])
    func whatContradictsTheProfileIsALocatedError(_ refusal: Refusal) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let errors = fixture.errors(yaml: """
            services:
              api:
                command: sleep 1
                x-aicore: {security: restricted}
                \(refusal.lines)
            """.replacingOccurrences(of: "x-aicore: {security: restricted}\n    \n", with: "x-aicore: {security: restricted}\n"))
        #expect(errors.count == 1, "\(errors)")
        let error = try #require(errors.first)
        #expect(error.keyPath == refusal.path)
        #expect(error.message == refusal.message)
        #expect(error.location?.line == refusal.at.line && error.location?.column == refusal.at.column, "\(error)")
    }
}
