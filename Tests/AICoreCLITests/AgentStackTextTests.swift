import AICoreSpec
import Foundation
import Testing
@testable import AICoreCLI
@testable import AICoreServer

/// What the CLI sends the agent keeps every service the active profiles brought in: the agent
/// loads it with no profile active (`up --profile debug`, `build --profile debug SERVICE`).
@Suite struct AgentStackTextTests {
    @Test func aServiceOfAnActiveProfileReachesTheAgentAndOneOfAnInactiveProfileDoesNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agent-text-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/compose.yml"
        try """
            name: profiled
            services:
              web:
                command: [/bin/sleep, "100"]
              debug:
                command: [/bin/sleep, "100"]
                profiles: [debug]
              trace:
                command: [/bin/sleep, "100"]
                profiles: [trace]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try StackFiles(files: [file], profiles: ["debug"]).load(strict: true, quiet: true)
        #expect(loaded.stack.services.map(\.name) == ["debug", "web"])
        let sent = try await ControlPlane.loadSent(text: AgentStackText.yaml(loaded.stack), path: file, projectName: "profiled")
        #expect(sent.stack.services.map(\.name) == ["debug", "web"])
        // Sent as it is printed, the agent would have left the profile's service out.
        let printed = try await ControlPlane.loadSent(text: StackPrinter.render(loaded.stack, format: .yaml), path: file, projectName: "profiled")
        #expect(printed.stack.services.map(\.name) == ["web"])
    }
}
