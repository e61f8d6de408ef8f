import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// A service's update and rollout over REST: `PATCH …/services/{service}`, `…/rollout`,
/// `…/revisions`, undo, pause and resume, on real instances.
extension ControlAPITests {
    /// A stack with one service of `replicas` sleepers; `minReady` keeps a rollout progressing
    /// for at least that long (so that it can be paused while it runs).
    static func rolloutStackFile(_ name: String, replicas: Int = 1, minReady: String = "0s") -> String {
        """
        name: \(name)
        services:
          sleeper:
            user: root
            command: ["/bin/sh", "-c", "exec /bin/sleep 300"]
            deploy:
              replicas: \(replicas)
            x-aicore:
              rollout:
                min_ready: \(minReady)

        """
    }

    /// The routes of one service, for a test client.
    struct ServiceRoutes: Sendable {
        let client: any TestClientProtocol
        let stack: String
        let service: String

        var path: String { "/v1/stacks/\(stack)/services/\(service)" }

        func rollout() async throws -> RolloutStatus {
            let response = try await client.execute(uri: path + "/rollout", method: .get)
            #expect(response.status == .ok, "\(response.text)")
            return try response.json(RolloutStatus.self)
        }

        func revisions() async throws -> [ServiceRevisionMessage] {
            let response = try await client.execute(uri: path + "/revisions", method: .get)
            #expect(response.status == .ok, "\(response.text)")
            return try response.json([ServiceRevisionMessage].self)
        }

        func patch(_ json: String) async throws -> TestResponse {
            try await client.execute(uri: path, method: .patch, headers: ControlAPITests.json, body: ByteBuffer(string: json))
        }

        func post(_ action: String, _ json: String? = nil) async throws -> TestResponse {
            try await client.execute(uri: path + "/rollout/" + action, method: .post, headers: ControlAPITests.json,
                                     body: json.map { ByteBuffer(string: $0) })
        }

        /// Polls the rollout (bounded) until it is `complete` at `revision`.
        func waitForComplete(revision: Int) async throws -> RolloutStatus {
            var last: RolloutStatus?
            let done = try await eventually {
                last = try await rollout()
                return last?.state == "complete" && last?.revision == revision
            }
            #expect(done, "the rollout did not complete at revision \(revision): \(String(describing: last))")
            return try #require(last)
        }
    }

    /// Applies the rollout stack and waits until its first rollout is complete.
    static func applyRolloutStack(_ name: String, client: any TestClientProtocol, replicas: Int = 1,
                                  minReady: String = "0s") async throws -> ServiceRoutes {
        let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: yaml,
                                               body: ByteBuffer(string: rolloutStackFile(name, replicas: replicas, minReady: minReady)))
        #expect(applied.status == .accepted, "\(applied.text)")
        #expect(try applied.json(PlanMessage.self).revision == 1)
        let routes = ServiceRoutes(client: client, stack: name, service: "sleeper")
        _ = try await routes.waitForComplete(revision: 1)
        return routes
    }

    @Test func patchingTheEnvironmentRollsOutANewRevision() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let routes = try await Self.applyRolloutStack(name, client: client)
                let first = try await routes.revisions()
                #expect(first.map(\.revision) == [1])
                #expect(first.map(\.current) == [true])
                #expect(first.first?.cause == "apply")

                // Nothing to change is a 400, and changes nothing.
                for body in ["{}", #"{"environment": {}}"#, #"{"restart": false}"#, "[]", #"{"environment": {"A=B": "x"}}"#,
                             #"{"image": ""}"#] {
                    try expectProblem(try await routes.patch(body), .badRequest)
                }
                #expect(try await routes.revisions() == first)

                // A variable whose name has an underscore: it must arrive as written.
                let patched = try await routes.patch(#"{"environment": {"GREETING_TEXT": "hello rollout", "UNSET_ME": null}}"#)
                #expect(patched.status == .accepted, "\(patched.text)")
                #expect(patched.headers[.contentType] == "application/json")
                let plan = try patched.json(PlanMessage.self)
                #expect(plan.stack == name)
                #expect(plan.revision == 2, "a new stack revision holds the change")

                let done = try await routes.waitForComplete(revision: 2)
                #expect(done.fromRevision == 1)
                #expect(done.replicas == 1 && done.updated == 1 && done.ready == 1 && done.old == 0, "\(done)")
                #expect(done.reason == nil)
                #expect(done.startedAt != nil && done.updatedAt != nil)

                let revisions = try await routes.revisions()
                #expect(revisions.map(\.revision) == [1, 2])
                #expect(revisions.map(\.current) == [false, true], "current is the newest")
                #expect(revisions.last?.cause == "set GREETING_TEXT=…, UNSET_ME-")
                #expect(revisions.last?.stackRevision == 2)
                #expect(revisions.last?.specHash == done.specHash)
                #expect(revisions[0].specHash != revisions[1].specHash)

                // The one replica left runs the new spec.
                let instances = try await client.execute(uri: "/v1/instances?stack=\(name)&service=sleeper", method: .get)
                    .json([InstanceStatus].self)
                let instance = try #require(instances.first, "no instance left")
                #expect(instances.count == 1)
                let exec = try await client.execute(uri: "/v1/instances/\(instance.id)/exec", method: .post, headers: Self.json,
                                                    body: ByteBuffer(string: #"{"command":["/bin/sh","-c","echo \"$GREETING_TEXT\""]}"#))
                #expect(try exec.json(ExecResult.self).output == "hello rollout\n", "\(exec.text)")
            }
        }
    }

    @Test func rolloutOperationsThatCannotBeDoneAreProblems() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let routes = try await Self.applyRolloutStack(name, client: client)
                let service = "/v1/stacks/\(name)/services"
                // Unknown service, unknown stack: 404 on every route.
                for stack in [name, "nope"] {
                    try expectProblem(try await client.execute(uri: "/v1/stacks/\(stack)/services/nope/rollout", method: .get), .notFound)
                    try expectProblem(try await client.execute(uri: "/v1/stacks/\(stack)/services/nope/revisions", method: .get), .notFound)
                    try expectProblem(try await client.execute(uri: "/v1/stacks/\(stack)/services/nope", method: .patch, headers: Self.json,
                                                               body: ByteBuffer(string: #"{"restart": true}"#)), .notFound)
                    for action in ["undo", "pause", "resume"] {
                        try expectProblem(try await client.execute(uri: "/v1/stacks/\(stack)/services/nope/rollout/\(action)", method: .post),
                                          .notFound)
                    }
                }
                // Nothing progresses: neither pause nor resume.
                let pause = try expectProblem(try await routes.post("pause"), .conflict)
                #expect(pause.detail == "cannot pause the rollout of sleeper: it is complete", "\(pause.detail)")
                try expectProblem(try await routes.post("resume"), .conflict)
                // One revision: nothing to go back to, with or without a body.
                let undo = try expectProblem(try await routes.post("undo"), .conflict)
                #expect(undo.detail.contains("no earlier revision"), "\(undo.detail)")
                try expectProblem(try await routes.post("undo", "{}"), .conflict)
                try expectProblem(try await routes.post("undo", #"{"to_revision": 1}"#), .conflict)
                // A revision that never was.
                let missing = try expectProblem(try await routes.post("undo", #"{"to_revision": 7}"#), .notFound)
                #expect(missing.detail.contains("no revision 7"), "\(missing.detail)")
                try expectProblem(try await routes.post("undo", #"{"to_revision": "one"}"#), .badRequest)
                // Wrong methods.
                let wrong = try await client.execute(uri: "\(service)/sleeper/rollout", method: .post)
                try expectProblem(wrong, .methodNotAllowed)
                #expect(wrong.headers[.allow] == "GET")
                // None of that changed the service.
                #expect(try await routes.revisions().map(\.revision) == [1])
                #expect(try await routes.rollout().state == "complete")
            }
        }
    }

    @Test func aRolloutPausesResumesAndIsUndone() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                // min_ready keeps the new replica from counting as available for a while: the
                // rollout is still progressing when it is paused.
                let routes = try await Self.applyRolloutStack(name, client: client, minReady: "20s")
                let restarted = try await routes.patch(#"{"restart": true}"#)
                #expect(restarted.status == .accepted, "\(restarted.text)")
                #expect(try await eventually {
                    let status = try await routes.rollout()
                    return status.state == "progressing" && status.revision == 2 && status.startedAt != nil
                })
                let paused = try await routes.post("pause")
                #expect(paused.status == .ok, "\(paused.text)")
                let pausedStatus = try paused.json(RolloutStatus.self)
                #expect(pausedStatus.state == "paused")
                #expect(pausedStatus.revision == 2)
                #expect(try await routes.rollout().state == "paused")
                try expectProblem(try await routes.post("pause"), .conflict)

                let resumed = try await routes.post("resume")
                #expect(resumed.status == .ok, "\(resumed.text)")
                #expect(try resumed.json(RolloutStatus.self).state == "progressing")
                _ = try await routes.waitForComplete(revision: 2)
                #expect(try await routes.revisions().last?.cause == "set restart")

                // Undo goes back to revision 1's spec, recorded again as revision 3.
                let undone = try await routes.post("undo")
                #expect(undone.status == .accepted, "\(undone.text)")
                #expect(try undone.json(PlanMessage.self).revision == 3)
                _ = try await routes.waitForComplete(revision: 3)
                let revisions = try await routes.revisions()
                #expect(revisions.map(\.revision) == [2, 3], "revision 1's spec moved to the top")
                #expect(revisions.map(\.current) == [false, true])
                #expect(revisions.last?.cause == "undo to revision 1")
            }
        }
    }
}
