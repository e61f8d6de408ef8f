import AICoreOS
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

enum ControlAPITestEnvironment {
    static var isRoot: Bool {
        let root = getuid() == 0
        if !root { print("ControlAPITests: SKIPPED (not root): they start real instances") }
        return root
    }
}

/// The REST routes over a real `ControlPlane` (real instances: needs root), through
/// Hummingbird's router test client, no socket. Every error must be a problem document.
@Suite(.serialized, .enabled(if: ControlAPITestEnvironment.isRoot, "ControlAPITests need root: they run real instances"))
struct ControlAPITests {
    static let token = "0123456789abcdef-test-token"

    static func uniqueName() -> String { "t\(getpid())x\(UInt16.random(in: 0...UInt16.max))" }

    /// One service running a shell that says hello, then sleeps.
    static func stackFile(_ name: String) -> String {
        """
        name: \(name)
        services:
          sleeper:
            user: root
            command: ["/bin/sh", "-c", "echo hello from \(name); exec /bin/sleep 300"]
            labels: {tier: background}

        """
    }

    static let yaml: HTTPFields = [.contentType: "application/yaml"]
    static let json: HTTPFields = [.contentType: "application/json"]

    // MARK: health and auth

    @Test func liveIsAlways200AndReadyIs503UntilMarkedReady() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let live = try await client.execute(uri: "/health/live", method: .get)
                #expect(live.status == .ok)
                #expect(try live.json([String: String].self) == ["status": "ok"])
                try expectProblem(try await client.execute(uri: "/health/ready", method: .get), .serviceUnavailable)
            }
            harness.health.markReady()
            try await harness.test { client in
                let ready = try await client.execute(uri: "/health/ready", method: .get)
                #expect(ready.status == .ok)
                #expect(try ready.json([String: String].self) == ["status": "ready"])
                #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            }
        }
    }

    @Test func overTCPEverythingButHealthNeedsTheBearerToken() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test(token: Self.token) { client in
                let missing = try await client.execute(uri: "/v1/stacks", method: .get)
                try expectProblem(missing, .unauthorized)
                #expect(missing.headers[.wwwAuthenticate] == "Bearer realm=\"aicore\"")

                let wrong = try await client.execute(uri: "/v1/stacks", method: .get, headers: [.authorization: "Bearer not-the-token"])
                try expectProblem(wrong, .unauthorized)
                #expect(wrong.headers[.wwwAuthenticate] == "Bearer realm=\"aicore\"")
                try expectProblem(try await client.execute(uri: "/v1/stacks", method: .get, headers: [.authorization: Self.token]),
                                  .unauthorized)
                try expectProblem(try await client.execute(uri: "/metrics", method: .get), .unauthorized)

                let right = try await client.execute(uri: "/v1/stacks", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
                #expect(right.status == .ok)
                #expect(try right.json([StackStatus].self).isEmpty)

                #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
                // Unready is a 503 even without a token: health never asks for one.
                try expectProblem(try await client.execute(uri: "/health/ready", method: .get), .serviceUnavailable)
            }
        }
    }

    @Test func theUnixSocketRouterNeedsNoToken() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test(token: nil) { client in
                let stacks = try await client.execute(uri: "/v1/stacks", method: .get)
                #expect(stacks.status == .ok)
                #expect(try stacks.json([StackStatus].self).isEmpty)
                #expect(try await client.execute(uri: "/v1/instances", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            }
        }
    }

    // MARK: applying a stack file that is wrong

    @Test func malformedYAMLIs422WithLocatedErrors() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let response = try await client.execute(uri: "/v1/stacks?project_name=broken", method: .post, headers: Self.yaml,
                                                        body: ByteBuffer(string: "services:\n  web: [unclosed\n"))
                let problem = try expectProblem(response, .unprocessableContent)
                let errors = try #require(problem.errors)
                #expect(!errors.isEmpty)
                let file = harness.directory + "/stacks/broken.yml"
                for line in errors {
                    #expect(line.hasPrefix(file + ":"), "\(line)")
                    #expect(line.contains(#/\.yml:\d+:\d+: error: /#), "\(line)")
                }
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
            }
        }
    }

    @Test func aStackThatDoesNotValidateIs422NamingTheKey() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let text = "name: wrong\nservices:\n  web:\n    command: [\"/bin/true\"]\n    deploy:\n      replicas: three\n"
                let response = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml, body: ByteBuffer(string: text))
                let problem = try expectProblem(response, .unprocessableContent)
                let errors = try #require(problem.errors)
                #expect(errors.contains { $0.contains(":6:") && $0.contains("services.web.deploy.replicas") }, "\(errors)")
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
            }
        }
    }

    struct RejectedApply: Sendable, CustomTestStringConvertible {
        var name: String
        var query: String = ""
        var contentType: String? = "application/yaml"
        var body: String
        var status: HTTPResponse.Status
        var testDescription: String { name }
    }

    static let rejectedApplies: [RejectedApply] = [
        RejectedApply(name: "empty body", body: "", status: .badRequest),
        RejectedApply(name: "image/png", contentType: "image/png", body: stackFile("png"), status: .unsupportedMediaType),
        RejectedApply(name: "over 1 MiB", body: "#" + String(repeating: "x", count: ControlAPI.maxBodyBytes), status: .contentTooLarge),
        RejectedApply(name: "relative path", query: "?path=stacks/app.yml", body: stackFile("relative"), status: .badRequest),
    ]

    @Test(arguments: rejectedApplies)
    func anApplyThatCannotBeReadIsRefused(_ rejected: RejectedApply) async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                var headers = HTTPFields()
                if let type = rejected.contentType { headers[.contentType] = type }
                let response = try await client.execute(uri: "/v1/stacks" + rejected.query, method: .post, headers: headers,
                                                        body: ByteBuffer(string: rejected.body))
                try expectProblem(response, rejected.status)
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
            }
            #expect(try await harness.plane.stackNames().isEmpty)
        }
    }

    @Test func anInvalidProjectNameIs422AndCreatesNothing() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let response = try await client.execute(uri: "/v1/stacks?project_name=Not_Valid", method: .post, headers: Self.yaml,
                                                        body: ByteBuffer(string: Self.stackFile("valid")))
                let problem = try expectProblem(response, .unprocessableContent)
                #expect(problem.errors?.contains { $0.contains("invalid project name \"Not_Valid\"") } == true, "\(problem)")
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
                #expect(try await client.execute(uri: "/v1/instances", method: .get).json([InstanceStatus].self).isEmpty)
            }
            #expect(try await harness.plane.stackNames().isEmpty)
        }
    }

    @Test func anUnknownPullOverrideIs400AndCreatesNothing() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let response = try await client.execute(uri: "/v1/stacks?project_name=pulls&pull=sometimes", method: .post, headers: Self.yaml,
                                                        body: ByteBuffer(string: Self.stackFile("valid")))
                let problem = try expectProblem(response, .badRequest)
                #expect(problem.detail.contains("`pull` must be always, missing or never"), "\(problem)")
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
            }
            #expect(try await harness.plane.stackNames().isEmpty)
        }
    }

    // MARK: a stack's life

    @Test func aStackGoesThroughEveryRouteAndLeavesNothingBehind() async throws {
        let name = Self.uniqueName()
        let first = "\(name)-sleeper-1"
        let second = "\(name)-sleeper-2"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                @Sendable func stack() async throws -> StackStatus? {
                    let response = try await client.execute(uri: "/v1/stacks/\(name)", method: .get)
                    guard response.status == .ok else { return nil }
                    return try response.json(StackStatus.self)
                }
                @Sendable func service() async throws -> ServiceStatus? {
                    let response = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper", method: .get)
                    guard response.status == .ok else { return nil }
                    return try response.json(ServiceStatus.self)
                }

                // Apply: 202 and the plan.
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.stackFile(name)))
                #expect(applied.status == .accepted, "\(applied.text)")
                #expect(applied.headers[.contentType] == "application/json")
                let plan = try applied.json(PlanMessage.self)
                #expect(plan.stack == name)
                #expect(plan.starts == [first])
                #expect(!plan.noOp)
                #expect(plan.steps.contains { $0.hasPrefix("start \(first)") })

                // Listed, then converged.
                #expect(try await eventually {
                    try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).map(\.name) == [name]
                })
                try #require(try await eventually { try await stack()?.converged == true })
                let status = try #require(try await stack())
                #expect(status.revision == 1)
                #expect(status.operation?.phase == "done")
                #expect(status.services.map(\.name) == ["sleeper"])
                let services = try await client.execute(uri: "/v1/stacks/\(name)/services", method: .get)
                #expect(try services.json([ServiceStatus].self).map(\.name) == ["sleeper"])
                let revisions = try await client.execute(uri: "/v1/stacks/\(name)/revisions", method: .get)
                #expect(try revisions.json([RevisionMessage].self).map(\.revision) == [1])

                // Instances: listed, inspected with stats.
                let all = try await client.execute(uri: "/v1/instances", method: .get).json([InstanceStatus].self)
                #expect(all.map(\.id) == [first])
                let filtered = try await client.execute(uri: "/v1/instances?stack=\(name)&service=sleeper&stats=true", method: .get)
                let listed = try filtered.json([InstanceStatus].self)
                #expect(listed.map(\.id) == [first])
                #expect(listed.first?.stats != nil)
                let inspected = try await client.execute(uri: "/v1/instances/\(first)", method: .get)
                #expect(inspected.status == .ok)
                let instance = try inspected.json(InstanceStatus.self)
                #expect(instance.state == .running)
                #expect(instance.labels == ["tier": "background"], "inspect shows the service's labels")
                #expect(listed.first?.labels == nil, "a list leaves them out")
                #expect(instance.desired == .running)
                #expect(instance.pid != nil)
                let stats = try #require(instance.stats)
                #expect(stats.pids >= 1)
                #expect(instance.events?.isEmpty == false)

                // Exec.
                let exec = try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                    body: ByteBuffer(string: #"{"command":["/bin/echo","hi"]}"#))
                #expect(exec.status == .ok, "\(exec.text)")
                let result = try exec.json(ExecResult.self)
                #expect(result.output == "hi\n")
                #expect(result.exitCode == 0)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command":[]}"#)), .badRequest)
                // Another user, directory and environment (`exec -u -w -e`).
                let asNobody = try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json, body: ByteBuffer(
                    string: #"{"command":["/bin/sh","-c","id -u; pwd; echo $MODE"],"user":"nobody","working_dir":"/tmp","environment":{"MODE":"warm"}}"#))
                #expect(try asNobody.json(ExecResult.self) == ExecResult(exitCode: 0, output: "65534\n/tmp\nwarm\n"), "\(asNobody.text)")
                let ghost = try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                     body: ByteBuffer(string: #"{"command":["/bin/true"],"user":"ghost"}"#))
                let ghostResult = try ghost.json(ExecResult.self)
                #expect(ghostResult.exitCode == 125 && ghostResult.error?.contains("unable to find user ghost") == true, "\(ghost.text)")
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command":["/bin/true"],"working_dir":"tmp"}"#)), .badRequest)
                let privileged = try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                                            body: ByteBuffer(string: #"{"command":["/bin/true"],"privileged":true}"#)), .badRequest)
                #expect(privileged.detail.hasPrefix("a privileged exec needs a privileged service: sleeper is not"), "\(privileged)")
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command":["/bin/true"],"environment":{"1X":"y"}}"#)), .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command": ["/bin/echo""#)), .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command": "/bin/echo"}"#)), .badRequest)

                // Logs: NDJSON, one LogEntry a line.
                #expect(try await eventually {
                    let logs = try await client.execute(uri: "/v1/instances/\(first)/logs?tail=10&stream=stdout", method: .get)
                    guard logs.status == .ok, logs.headers[.contentType] == "application/x-ndjson" else { return false }
                    let entries = try logs.text.split(separator: "\n").map {
                        try ControlAPI.decoder.decode(LogEntry.self, from: Data($0.utf8))
                    }
                    return entries.contains { $0.instance == first && $0.stream == "stdout" && $0.text.contains("hello from \(name)") }
                })
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/logs?tail=-1", method: .get), .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(first)/logs?stream=both", method: .get), .badRequest)

                // Metrics.
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(metrics.text.contains("aicore_instance_up{stack=\"\(name)\",service=\"sleeper\",instance=\"\(first)\"} 1"))

                // Scale.
                let scaled = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/scale", method: .post, headers: Self.json,
                                                      body: ByteBuffer(string: #"{"replicas": 2}"#))
                #expect(scaled.status == .accepted, "\(scaled.text)")
                #expect(try scaled.json(PlanMessage.self).starts == [second])
                #expect(try await eventually {
                    guard let service = try await service() else { return false }
                    return service.desired == 2 && service.ready == 2 && service.converged
                })
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/scale", method: .post,
                                                           headers: Self.json, body: ByteBuffer(string: #"{"replicas": -1}"#)),
                                  .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/nope/scale", method: .post,
                                                           headers: Self.json, body: ByteBuffer(string: #"{"replicas": 1}"#)),
                                  .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/services/nope", method: .get), .notFound)
                // A path segment is read as sent: `sleeper%2F1` is `sleeper/1`, and the detail says so.
                let encoded = try expectProblem(try await client.execute(uri: "/v1/instances/sleeper%2F1", method: .get), .notFound)
                #expect(encoded.detail == "no instance sleeper/1 on this node; `aicore-node ps` lists them", "\(encoded.detail)")

                // Restart, stop, start.
                let restarted = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/restart", method: .post)
                #expect(restarted.status == .ok, "\(restarted.text)")
                #expect(try restarted.json(PlanMessage.self).stack == name)
                #expect(try await eventually { try await service()?.ready == 2 })

                let stopped = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/stop", method: .post)
                #expect(stopped.status == .ok, "\(stopped.text)")
                #expect(try stopped.json([String: [String]].self) == ["stopped": [first, second]])
                #expect(try await service()?.stopped == 2)
                #expect(try await service()?.running == 0)

                let started = try await client.execute(uri: "/v1/stacks/\(name)/services/sleeper/start", method: .post)
                #expect(started.status == .accepted, "\(started.text)")
                #expect(try started.json(PlanMessage.self).stack == name)
                #expect(try await eventually {
                    guard let service = try await service() else { return false }
                    return service.ready == 2 && service.stopped == 0 && service.converged
                })

                // Down: the processes go, the stack is gone.
                let pids = try await client.execute(uri: "/v1/instances?stack=\(name)", method: .get)
                    .json([InstanceStatus].self).compactMap(\.pid)
                #expect(pids.count == 2)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)?volumes=maybe", method: .delete), .badRequest)
                let down = try await client.execute(uri: "/v1/stacks/\(name)", method: .delete)
                #expect(down.status == .ok, "\(down.text)")
                #expect(Set(try down.json(PlanMessage.self).stops) == [first, second])
                #expect(await eventually { pids.allSatisfy { kill($0, 0) != 0 } })
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)/revisions", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)", method: .delete), .notFound)
                #expect(try await client.execute(uri: "/v1/instances", method: .get).json([InstanceStatus].self).isEmpty)
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
            }
            // A service without ports gets no proxy route.
            for call in harness.proxy.calls {
                if case let .apply(routes) = call { #expect(routes.isEmpty) }
            }
        }
    }

    /// The apply runs in the background: a DELETE at once still finds the stack and takes down
    /// whatever the apply had started.
    @Test func aDeleteRightAfterTheApplyTakesTheStackDown() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.stackFile(name)))
                #expect(applied.status == .accepted, "\(applied.text)")
                let down = try await client.execute(uri: "/v1/stacks/\(name)", method: .delete)
                #expect(down.status == .ok, "\(down.text)")
                try expectProblem(try await client.execute(uri: "/v1/stacks/\(name)", method: .get), .notFound)
                #expect(try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self).isEmpty)
                #expect(try await client.execute(uri: "/v1/instances", method: .get).json([InstanceStatus].self).isEmpty)
            }
        }
    }

    // MARK: what is not there

    @Test func unknownRoutesStacksAndInstancesAre404AndWrongMethods405Problems() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let unknown = try expectProblem(try await client.execute(uri: "/v1/nothing-here", method: .get), .notFound)
                #expect(unknown.detail == "no such endpoint: GET /v1/nothing-here")
                let wrongMethod = try await client.execute(uri: "/v1/stacks", method: .put)
                try expectProblem(wrongMethod, .methodNotAllowed)
                #expect(wrongMethod.headers[.allow] == "GET, POST")
                let wrongOnAPattern = try await client.execute(uri: "/v1/instances/nope/logs", method: .delete)
                try expectProblem(wrongOnAPattern, .methodNotAllowed)
                #expect(wrongOnAPattern.headers[.allow] == "GET")
                try expectProblem(try await client.execute(uri: "/v1/instances/nope/logs/more", method: .delete), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/instances/nope", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/instances/nope/logs", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/instances/nope/exec", method: .post, headers: Self.json,
                                                           body: ByteBuffer(string: #"{"command":["/bin/true"]}"#)), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope/services", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope/revisions", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope/services/web/restart", method: .post), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope/services/web/stop", method: .post), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope/services/web/start", method: .post), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/stacks/nope", method: .delete), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/instances?stats=perhaps", method: .get), .badRequest)
            }
        }
    }

    // MARK: metrics and the document

    @Test func metricsAndTheOpenAPIDocumentAreServed() async throws {
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(metrics.text.contains("# TYPE aicore_instance_up gauge"))

                let document = try await client.execute(uri: "/v1/openapi.yaml", method: .get)
                #expect(document.status == .ok)
                #expect(document.headers[.contentType] == "application/yaml")
                #expect(document.text.hasPrefix("openapi: 3.1"))
                #expect(document.text == OpenAPIDocument.yaml)

                let proxy = try await client.execute(uri: "/v1/proxy", method: .get)
                #expect(proxy.status == .ok)
                #expect(proxy.text == "[]", "no stack, no route")
                #expect(metrics.text.contains("# TYPE aicore_proxy_connections_total counter"))
            }
        }
    }
}
