import AICoreOS
import AICoreSystem
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// What one stack sent over the API may not take from another stack or from the agent:
/// instance names, and the agent's own environment and files.
extension ControlAPITests {
    /// A stack of one service with no replica: it is recorded and planned, and runs nothing.
    static func idleStackFile(_ name: String, service: String) -> String {
        """
        name: \(name)
        services:
          \(service):
            command: ["/bin/true"]
            deploy: {replicas: 0}

        """
    }

    @Test func aStackWhoseInstanceNamesAnotherStackHasIs409NamingBoth() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name, "\(name)-b"]) { harness in
            try await harness.test { client in
                let first = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile("\(name)-b", service: "c")))
                #expect(first.status == .accepted, "\(first.text)")

                // Stack `<name>` service `b-c` would be `<name>-b-c-1`, as stack `<name>-b` service `c`.
                let clash = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile(name, service: "b-c")))
                let problem = try expectProblem(clash, .conflict)
                #expect(problem.detail == "stack \(name) cannot name its instances: instance names \(name)-b-c-N are already those of stack \(name)-b (service c); rename the stack or the service")
                #expect(problem.errors == ["services.b-c: instance names \(name)-b-c-N are already those of stack \(name)-b (service c); rename the stack or the service"])
                #expect(try await harness.plane.stackNames() == ["\(name)-b"])

                // Another service name is fine, and so is the same one once the other stack is down.
                let other = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile(name, service: "bc")))
                #expect(other.status == .accepted, "\(other.text)")
                #expect(try await client.execute(uri: "/v1/stacks/\(name)-b", method: .delete).status == .ok)
                let after = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile(name, service: "b-c")))
                #expect(after.status == .accepted, "\(after.text)")
            }
        }
    }

    @Test func aStackSentOverTheAPIIsNotInterpolatedFromTheAgentsEnvironmentOrFiles() async throws {
        let name = Self.uniqueName()
        let secret = "AICORE_TEST_AGENT_SECRET_\(getpid())"
        setenv(secret, "agent-only", 1)
        defer { unsetenv(secret) }
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            // A `.env` beside the path the API gives the stack, on the agent's disk.
            try FileIO.makeDirectories(harness.directory + "/stacks")
            try Data("FROM_DOT_ENV=agent-file\n".utf8).write(to: URL(fileURLWithPath: harness.directory + "/stacks/.env"))
            #expect(ProcessInfo.processInfo.environment["HOME"]?.isEmpty == false)
            try await harness.test { client in
                let text = """
                    name: \(name)
                    services:
                      web:
                        command: ["/bin/true"]
                        deploy: {replicas: 0}
                        environment:
                          SEEN: "home=${HOME} secret=${\(secret)} file=${FROM_DOT_ENV} default=${UNSET:-d} literal=$${HOME}"

                    """
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml, body: ByteBuffer(string: text))
                #expect(applied.status == .accepted, "\(applied.text)")
            }
            let stack = try await harness.plane.stack(named: name)
            #expect(stack.services.first?.environment["SEEN"] == "home= secret= file= default=d literal=${HOME}")
        }
    }
}
