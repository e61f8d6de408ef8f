import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// `aicore-node set` and `rollout` against a real agent: what an operator sees when a change
/// rolls out, when it fails and is rolled back, and when the arguments are wrong.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct RolloutCLITests {
    static let stack = """
        name: rollcli
        services:
          api:
            command: ["/bin/sh", "-c", "exec /bin/sleep 600"]
            deploy:
              replicas: 2
        """

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func setEnvRollsOutAndRolloutStatusHistoryAndUndoFollowIt() async throws {
        try await AgentHarness.with { harness in
            let file = try AgentCLITests.write(Self.stack, in: harness.directory)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            try #require(up.status == 0, "\(up.stderr)")

            let set = try await harness.cli(["set", "env", "-p", "rollcli", "api", "GREETING_TEXT=hello there", "EXTRA=a=b"])
            #expect(set.status == 0, "\(set.stderr)")
            #expect(Self.lines(set.stdout) == ["api: environment updated (stack revision 2)",
                                                "follow the rollout with `aicore-node rollout status api -p rollcli`"], "\(set.stdout)")

            let status = try await harness.cli(["rollout", "status", "-p", "rollcli", "api", "--timeout", "3m"])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(Self.lines(status.stdout).last == "rollout of api to revision 2 complete", "\(status.stdout)")
            #expect(Self.lines(status.stdout).dropLast().allSatisfy { $0.hasPrefix("Waiting for rollout to finish: ") }, "\(status.stdout)")
            #expect(status.stderr.isEmpty, "\(status.stderr)")

            // Every replica runs the new environment, the names as written.
            let instances = try await harness.instances("rollcli")
            #expect(instances.count == 2)
            for instance in instances {
                let exec = try await harness.cli(["exec", instance.id, "--", "/bin/sh", "-c", "echo \"$GREETING_TEXT|$EXTRA\""])
                #expect(exec.stdout == "hello there|a=b\n", "\(instance.id): \(exec)")
            }

            let history = try await harness.cli(["rollout", "history", "-p", "rollcli", "api"])
            #expect(history.status == 0, "\(history.stderr)")
            let rows = Self.lines(history.stdout)
            #expect(rows.count == 3, "a header and two revisions: \(history.stdout)")
            #expect(rows.first?.split(separator: " ", omittingEmptySubsequences: true) == ["REVISION", "HASH", "CAUSE", "CREATED", "CURRENT"])
            #expect(rows.dropFirst().first?.hasPrefix("1 ") == true && rows.dropFirst().first?.hasSuffix("*") == false, "\(history.stdout)")
            #expect(rows.last?.hasPrefix("2 ") == true && rows.last?.hasSuffix("  *") == true, "\(history.stdout)")
            #expect(rows.last?.contains("set EXTRA=…, GREETING_TEXT=…") == true, "\(history.stdout)")
            let json = try await harness.cli(["rollout", "history", "-p", "rollcli", "api", "--format", "json"])
            let revisions = try ControlAPI.decoder.decode([ServiceRevisionMessage].self, from: Data(json.stdout.utf8))
            #expect(revisions.map(\.revision) == [1, 2])
            #expect(revisions.map(\.current) == [false, true])

            // Nothing progresses: pause is refused, in one line.
            let pause = try await harness.cli(["rollout", "pause", "-p", "rollcli", "api"])
            #expect(pause.status == 1)
            #expect(pause.stderr == "aicore-node: cannot pause the rollout of api: it is complete\n", "\(pause.stderr)")
            let unknown = try await harness.cli(["rollout", "status", "-p", "rollcli", "nope"])
            #expect(unknown.status == 2, "an unknown service is the user's mistake")
            #expect(unknown.stderr.contains("stack rollcli has no service nope"), "\(unknown.stderr)")

            // Undo: revision 1's spec again, as revision 3.
            let undo = try await harness.cli(["rollout", "undo", "-p", "rollcli", "api"])
            #expect(undo.status == 0, "\(undo.stderr)")
            #expect(undo.stdout.hasPrefix("api: rolling back to the previous revision (stack revision 3)\n"), "\(undo.stdout)")
            let undone = try await harness.cli(["rollout", "status", "-p", "rollcli", "api", "--timeout", "3m"])
            #expect(undone.status == 0, "\(undone.stdout)\(undone.stderr)")
            #expect(Self.lines(undone.stdout).last == "rollout of api to revision 3 complete", "\(undone.stdout)")
            let after = try ControlAPI.decoder.decode([ServiceRevisionMessage].self, from: Data(
                try await harness.cli(["rollout", "history", "-p", "rollcli", "api", "--format", "json"]).stdout.utf8))
            #expect(after.map(\.revision) == [2, 3])
            #expect(after.last?.cause == "undo to revision 1")
        }
    }

    @Test func aCommandThatFailsIsRolledBackAndRolloutStatusExitsOneWithTheReason() async throws {
        try await AgentHarness.with { harness in
            let file = try AgentCLITests.write(Self.stack, in: harness.directory)
            try #require(try await harness.cli(["up", "-d", "--wait", "-f", file]).status == 0)

            let set = try await harness.cli(["set", "command", "-p", "rollcli", "api", "--", "/bin/sh", "-c", "echo broken >&2; exit 3"])
            #expect(set.status == 0, "\(set.stderr)")
            let status = try await harness.cli(["rollout", "status", "-p", "rollcli", "api", "--timeout", "3m"])
            #expect(status.status == 1, "\(status.stdout)\(status.stderr)")
            #expect(Self.lines(status.stderr).count == 1, "one line: \(status.stderr)")
            #expect(status.stderr.hasPrefix("aicore-node: the rollout of api failed and was rolled back to revision 3: "), "\(status.stderr)")
            #expect(status.stderr.contains("code 3"), "\(status.stderr)")

            // The service runs its first spec again, every replica.
            let instances = try await harness.instances("rollcli")
            #expect(instances.count == 2)
            #expect(instances.allSatisfy { $0.state == .running }, "\(instances)")
            for instance in instances {
                let exec = try await harness.cli(["exec", instance.id, "--", "/bin/sh", "-c", "echo running"])
                #expect(exec.status == 0 && exec.stdout == "running\n", "\(instance.id): \(exec)")
            }
            let history = try await harness.cli(["rollout", "history", "-p", "rollcli", "api", "--format", "json"])
            let revisions = try ControlAPI.decoder.decode([ServiceRevisionMessage].self, from: Data(history.stdout.utf8))
            #expect(revisions.map(\.cause) == ["set command", "rollback from revision 2"])
            #expect(revisions.map(\.current) == [false, true])
        }
    }

    struct BadArguments: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let badArguments: [BadArguments] = [
        BadArguments(arguments: ["set", "env", "api", "LOG_LEVEL"], message: "LOG_LEVEL: expected KEY=VALUE to set a variable or KEY- to remove it"),
        BadArguments(arguments: ["set", "env", "api", "=debug"], message: "=debug: the variable name is missing"),
        BadArguments(arguments: ["set", "env", "api", "A=1", "A-"], message: "A-: A is already set by an earlier argument"),
        BadArguments(arguments: ["set", "env", "api"], message: "give at least one KEY=VALUE or KEY-"),
        BadArguments(arguments: ["set", "image", "api", ""], message: "the image must not be empty"),
        BadArguments(arguments: ["set", "command", "api"], message: "give the command after --"),
        BadArguments(arguments: ["rollout", "status", "api", "--timeout", "soon"], message: "--timeout soon: expected a duration"),
        BadArguments(arguments: ["rollout", "undo", "api", "--to-revision", "0"], message: "--to-revision 0: revisions count from 1"),
    ]

    /// Checked before anything is sent: the agent named here does not exist, and is not looked for.
    @Test(arguments: badArguments)
    func badArgumentsExitTwoWithoutContactingTheAgent(_ bad: BadArguments) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["AICORE_HOST"] = "/nonexistent/aicore-\(UUID().uuidString.prefix(8)).sock"
        let absent = environment
        let result = try await offload { try CommandRunner.run(bad.arguments, environment: absent) }
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.hasPrefix("aicore-node: \(bad.message)"), "\(result.stderr)")
        #expect(!result.stderr.contains("cannot reach the agent"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
