import AICoreSystem
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// A stack with a secret and a config, through the real agent: the instance reads the
/// secret's value, read from its file when the instance starts, and the value appears nowhere
/// else: not in a `/v1` answer, a log, or the Store's database.
extension ControlAPITests {
    @Test func aSecretReachesItsInstanceAndNoRecordOrAnswer() async throws {
        let name = Self.uniqueName()
        let instance = "\(name)-app-1"
        let value = "v4lue-\(UUID().uuidString)"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            let secretFile = harness.directory + "/token.txt"
            try FileIO.write(secretFile, value, mode: 0o600)
            let stackFile = """
                name: \(name)
                services:
                  app:
                    user: "1001"
                    command: ["/bin/sh", "-c", "wc -c < /run/secrets/token; cat /tmp/app.conf; echo; exec /bin/sleep 300"]
                    secrets: [token]
                    configs:
                      - source: app
                        target: /tmp/app.conf
                secrets:
                  token:
                    file: \(secretFile)
                configs:
                  app:
                    content: "greeting=hello"

                """
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: stackFile))
                #expect(applied.status == .accepted, "\(applied.text)")
                try #require(try await eventually {
                    try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self).converged
                })
                @Sendable func exec(_ command: [String]) async throws -> ExecResult {
                    let body = try JSONEncoder().encode(["command": command])
                    let response = try await client.execute(uri: "/v1/instances/\(instance)/exec", method: .post, headers: Self.json,
                                                            body: ByteBuffer(bytes: body))
                    return try response.json(ExecResult.self)
                }
                // The workload (uid 1001) reads its secret, mode 0400, owned by it.
                let read = try await exec(["/bin/sh", "-c", "cat /run/secrets/token; echo; stat -c '%u %a' /run/secrets/token /tmp/app.conf"])
                #expect(read.output == "\(value)\n1001 400\n1001 444\n", "\(read.output)")
                #expect(try await eventually {
                    let logs = try await client.execute(uri: "/v1/instances/\(instance)/logs?tail=10", method: .get).text
                    return logs.contains("greeting=hello") && logs.contains("\(value.utf8.count)")
                })

                // A changed file is what the next start reads.
                let changed = "ch4nged-\(UUID().uuidString)"
                try FileIO.write(secretFile, changed, mode: 0o600)
                let restarted = try await client.execute(uri: "/v1/stacks/\(name)/services/app/restart", method: .post)
                #expect(restarted.status == .ok, "\(restarted.text)")
                #expect(await eventually { (try? await exec(["/bin/cat", "/run/secrets/token"]))?.output == changed })

                var answers = ""
                for uri in ["/v1/stacks", "/v1/stacks/\(name)", "/v1/stacks/\(name)/revisions", "/v1/stacks/\(name)/services/app",
                            "/v1/stacks/\(name)/services/app/revisions", "/v1/instances", "/v1/instances/\(instance)",
                            "/v1/instances/\(instance)/logs?tail=100", "/metrics"] {
                    answers += try await client.execute(uri: uri, method: .get).text
                }
                for secret in [value, changed] { #expect(!answers.contains(secret)) }
            }
            // Nothing the Store wrote holds either value (the database and its WAL).
            let stored = try FileManager.default.subpathsOfDirectory(atPath: harness.directory)
                .filter { $0.contains(".db") }.map { harness.directory + "/" + $0 }
            #expect(!stored.isEmpty)
            for path in stored {
                let bytes = try FileIO.read(path)
                #expect(!String(decoding: bytes, as: UTF8.self).contains("v4lue-"), "\(path)")
                #expect(!String(decoding: bytes, as: UTF8.self).contains("ch4nged-"), "\(path)")
            }
        }
    }
}
