import AICoreStore
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `kill`, `pause`, `unpause`, `rm` and `wait` of a service over a real control plane (a real
/// instance, frozen and signalled for real).
extension ControlAPITests {
    /// A shell that exits 7 on SIGHUP; `restart: "no"` keeps it exited.
    static func operatorStackFile(_ name: String) -> String {
        """
        name: \(name)
        services:
          waiter:
            user: root
            restart: "no"
            command: ["/bin/sh", "-c", "trap 'exit 7' HUP; while :; do /bin/sleep 0.2; done"]

        """
    }

    @Test func pauseUnpauseKillWaitAndRmActOnTheServicesInstances() async throws {
        let name = Self.uniqueName()
        let id = "\(name)-waiter-1"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                @Sendable func post(_ action: String, _ body: String? = nil) async throws -> TestResponse {
                    try await client.execute(uri: "/v1/stacks/\(name)/services/waiter/\(action)", method: .post,
                                             headers: body == nil ? [:] : Self.json, body: body.map { ByteBuffer(string: $0) })
                }
                @Sendable func instance() async throws -> InstanceStatus {
                    try await client.execute(uri: "/v1/instances/\(id)", method: .get).json(InstanceStatus.self)
                }
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.operatorStackFile(name)))
                #expect(applied.status == .accepted, "\(applied.text)")
                try #require(try await eventually {
                    try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self).converged
                })

                // Paused: frozen, not ready, and a second pause leaves it alone.
                let paused = try await post("pause")
                #expect(paused.status == .ok, "\(paused.text)")
                #expect(try paused.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                let frozen = try await instance()
                #expect(frozen.state == .paused)
                #expect(frozen.ready == false)
                #expect(try await post("pause").json(InstanceActionResult.self) == InstanceActionResult(instances: [], skipped: [id]))
                // Not running: a wait does not count it as exited.
                #expect(try await post("wait?timeout=0").json(WaitResult.self) == WaitResult(exited: [], running: [id]))

                let unpaused = try await post("unpause")
                #expect(try unpaused.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                #expect(try await instance().state == .running)
                #expect(try await eventually { try await instance().ready })
                #expect(try await post("unpause").json(InstanceActionResult.self) == InstanceActionResult(instances: [], skipped: [id]))

                // A running instance is not removed without stop.
                #expect(try await post("rm").json(InstanceActionResult.self) == InstanceActionResult(instances: [], skipped: [id]))

                // SIGHUP is only delivered: the workload exits 7 of it, and `restart: no` keeps it exited.
                let killed = try await post("kill", #"{"signal":"HUP"}"#)
                #expect(killed.status == .ok, "\(killed.text)")
                #expect(try killed.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                let waited = try await post("wait")
                #expect(try waited.json(WaitResult.self) == WaitResult(exited: [.init(instance: id, exitCode: 7)], running: []))
                let exited = try await instance()
                #expect(exited.state == .exited)
                #expect(exited.desired == .running, "a signal other than SIGKILL or the stop signal is not a stop")

                let removed = try await post("rm")
                #expect(try removed.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                let left = try await client.execute(uri: "/v1/instances?stack=\(name)", method: .get).json([InstanceStatus].self)
                #expect(left.isEmpty)
                #expect(try await post("kill").json(InstanceActionResult.self) == InstanceActionResult(instances: []))
                // Nothing left to wait for.
                #expect(try await post("wait").json(WaitResult.self) == WaitResult(exited: [], running: []))
            }
        }
    }

    @Test func killStopsForGoodWithSIGKILLAndRmStopsFirstWhenAsked() async throws {
        let name = Self.uniqueName()
        let id = "\(name)-sleeper-1"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.stackFile(name).replacingOccurrences(
                                                           of: "    user: root\n", with: "    user: root\n    restart: always\n")))
                #expect(applied.status == .accepted, "\(applied.text)")
                try #require(try await eventually {
                    try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self).converged
                })
                @Sendable func instance() async throws -> InstanceStatus? {
                    let response = try await client.execute(uri: "/v1/instances/\(id)", method: .get)
                    return response.status == .ok ? try response.json(InstanceStatus.self) : nil
                }
                // SIGKILL: stopped whatever `restart: always` says, as `docker kill`.
                let killed = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/kill", method: .post)
                #expect(try killed.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                let waited = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/wait", method: .post)
                #expect(try waited.json(WaitResult.self) == WaitResult(exited: [.init(instance: id, exitCode: 137)], running: []))
                let stopped = try #require(try await instance())
                #expect(stopped.state == .exited && stopped.desired == .stopped, "\(stopped.state) \(stopped.desired)")

                // Started again, then `rm -s`: stopped first, then removed.
                let started = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/start", method: .post)
                #expect(started.status == .accepted)
                try #require(try await eventually { try await instance()?.state == .running })
                let removed = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/rm?stop=true", method: .post)
                #expect(try removed.json(InstanceActionResult.self) == InstanceActionResult(instances: [id]))
                try expectProblem(try await client.execute(uri: "/v1/instances/\(id)", method: .get), .notFound)
            }
        }
    }

    @Test func operatorRoutesRefuseUnknownNamesAndBadInputWithProblems() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.stackFile(name)))
                #expect(applied.status == .accepted)
                for action in ["kill", "pause", "unpause", "rm", "wait?timeout=0"] {
                    let noService = try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/nope/\(action)", method: .post),
                                                      .notFound)
                    #expect(noService.detail == "stack \(name) has no service nope; it has sleeper")
                    try expectProblem(try await client.execute(uri: "/v1/stacks/nostack/services/sleeper/\(action)", method: .post), .notFound)
                }
                let winch = try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/kill", method: .post,
                                                                       headers: Self.json, body: ByteBuffer(string: #"{"signal":"SIGWINCH"}"#)),
                                              .unprocessableContent)
                #expect(winch.detail.hasPrefix("an instance takes only SIGTERM"), "\(winch.detail)")
                let bogus = try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/kill", method: .post,
                                                                       headers: Self.json, body: ByteBuffer(string: #"{"signal":"SIGBOGUS"}"#)),
                                              .unprocessableContent)
                #expect(bogus.detail == "SIGBOGUS is not a signal; name one such as SIGTERM, HUP or 9")
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/wait?timeout=31", method: .post), .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/rm?stop=maybe", method: .post), .badRequest)
            }
        }
    }
}
