import AICoreSystem
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `logging.driver` through the real agent: a json-file instance's log is Docker's JSON lines
/// and reads back as any other; a `none` instance keeps nothing, and its logs are a problem.
extension ControlAPITests {
    @Test func jsonFileLogsReadBackAndNoneIsAProblem() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            let stackFile = """
                name: \(name)
                services:
                  json:
                    user: root
                    command: ["/bin/sh", "-c", "echo 'said \\"hi\\"'; exec /bin/sleep 300"]
                    logging:
                      driver: json-file
                      options: {max-size: 1m, max-file: "2"}
                  quiet:
                    user: root
                    command: ["/bin/sh", "-c", "echo unseen; exec /bin/sleep 300"]
                    logging: {driver: none}

                """
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: stackFile))
                #expect(applied.status == .accepted, "\(applied.text)")
                try #require(try await eventually {
                    try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self).converged
                })
                #expect(try await eventually {
                    let logs = try await client.execute(uri: "/v1/instances/\(name)-json-1/logs?tail=10", method: .get)
                    guard logs.status == .ok else { return false }
                    let entries = try logs.text.split(separator: "\n").map { try ControlAPI.decoder.decode(LogEntry.self, from: Data($0.utf8)) }
                    return entries.map(\.text) == [#"said "hi""#] && entries.first?.stream == "stdout"
                })
                let file = try FileIO.readString(harness.directory + "/logs/\(name)-json-1/container.log")
                #expect(file.hasPrefix(#"{"log":"said \"hi\"\n","stream":"stdout","time":""#), "\(file)")

                let refused = try expectProblem(try await client.execute(uri: "/v1/instances/\(name)-quiet-1/logs", method: .get), .conflict)
                #expect(refused.detail == "service quiet uses logging driver none: its output is not kept")
                #expect(!FileIO.exists(harness.directory + "/logs/\(name)-quiet-1/container.log"))
            }
        }
    }
}
