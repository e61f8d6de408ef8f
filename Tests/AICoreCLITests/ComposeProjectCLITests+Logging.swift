import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// `logging.driver` as a Compose user meets it: `logs` of a json-file service prints the lines as
/// for any other, and of a `none` service says why there is nothing, in one line, exit 1.
extension ComposeProjectCLITests {
    @Test func logsReadsJSONFileAndRefusesNone() async throws {
        try await AgentHarness.with { harness in
            let directory = try Self.project("logdrivers", in: harness, compose: """
                name: logdrivers
                services:
                  json:
                    command: ["/bin/sh", "-c", "echo out-line; echo err-line >&2; exec /bin/sleep 600"]
                    logging:
                      driver: json-file
                      options: {max-size: 10k, max-file: "2"}
                  quiet:
                    command: ["/bin/sh", "-c", "echo unseen; exec /bin/sleep 600"]
                    logging: {driver: none}
                """)
            let up = try await harness.cli(["up", "-d", "--wait"], in: directory)
            #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
            try await waitUntil("json's two lines are in its log") {
                let logs = try await harness.cli(["logs", "json"], in: directory)
                return logs.stdout == "out-line\n" && logs.stderr == "err-line\n"
            }
            let stamped = try await harness.cli(["logs", "-t", "--tail", "1", "json"], in: directory)
            #expect(stamped.status == 0)
            #expect((stamped.stdout + stamped.stderr).wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (out|err)-line\n/) != nil,
                    "\(stamped.stdout)\(stamped.stderr)")
            let quiet = try await harness.cli(["logs", "quiet"], in: directory)
            #expect(quiet.status == 1)
            #expect(quiet.stdout.isEmpty)
            #expect(quiet.stderr == "aicore-node: service quiet uses logging driver none: its output is not kept\n", "\(quiet.stderr)")
            #expect(try await harness.cli(["down"], in: directory).status == 0)
        }
    }
}
