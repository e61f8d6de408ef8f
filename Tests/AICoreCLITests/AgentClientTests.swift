import AICoreErrors
@testable import AICoreCLI
import Foundation
import Testing

/// `send` and `isReachable` against a real HTTP server on a unix socket and on 127.0.0.1.
@Suite struct AgentClientTests {
    enum Transport: String, CaseIterable, Sendable {
        case unixSocket, tcp

        func address(of server: AgentClientTestServer) -> AgentAddress {
            switch self {
            case .unixSocket: .unixSocket(server.socketPath)
            case .tcp: .tcp(host: "127.0.0.1", port: server.port)
            }
        }
    }

    struct Stack: Codable, Equatable {
        var name: String
        var replicas: Int
    }

    struct StackList: Codable, Equatable {
        var stacks: [Stack]
    }

    /// Answers like the agent would for the routes these tests use.
    static let routes: AgentClientTestServer.Handler = { request, responder in
        switch (request.method, request.uri) {
        case ("GET", "/health/live"):
            try await responder.respond(.ok, contentType: "text/plain", body: "ok")
        case ("GET", "/v1/stacks"):
            let list = StackList(stacks: [Stack(name: "web", replicas: 2), Stack(name: "db", replicas: 1)])
            let body = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
            try await responder.respond(.ok, contentType: "application/json", body: body)
        case ("POST", "/v1/stacks"):
            // Echo the posted stack back with one more replica, as 201.
            var stack = try JSONDecoder().decode(Stack.self, from: Data(request.body))
            stack.replicas += 1
            let body = String(decoding: try JSONEncoder().encode(stack), as: UTF8.self)
            try await responder.respond(.created, contentType: "application/json", body: body)
        case ("GET", "/v1/stacks/missing"):
            try await responder.respond(
                .notFound, contentType: "application/problem+json",
                body: """
                    {"type":"https://aicore.dev/problems/not-found","title":"Not Found","status":404,
                     "detail":"stack 'missing' does not exist; `aicore-node ls` lists stacks",
                     "errors":[{"detail":"no such stack","pointer":"/name"},"plain entry",
                               {"message":"bad port","file":"compose.yaml","line":4,"column":9}]}
                    """)
        case ("POST", "/v1/stacks/invalid"):
            try await responder.respond(
                .unprocessableEntity, contentType: "application/problem+json; charset=utf-8",
                body: #"{"title":"Invalid stack","status":422}"#)
        case ("GET", "/v1/crash"):
            try await responder.respond(
                .internalServerError, contentType: "text/plain",
                body: "database is locked\n  at Store.write\n  at Reconciler.run\n")
        case ("GET", "/v1/html"):
            try await responder.respond(
                .badGateway, contentType: "text/html", body: "<html><body><h1>Bad gateway</h1></body></html>")
        case ("GET", "/v1/auth"):
            if request.header("authorization") == "Bearer s3cret-token" {
                try await responder.respond(.ok, contentType: "application/json", body: #"{"stacks":[]}"#)
            } else {
                try await responder.respond(.unauthorized)
            }
        default:
            try await responder.respond(.notFound)
        }
    }

    @Test(arguments: Transport.allCases)
    func getDecodesJSON(transport: Transport) async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: transport.address(of: server), token: nil)
            let response = try await client.send("GET", "/v1/stacks")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let list = try response.decode(StackList.self)
            #expect(list.stacks == [Stack(name: "web", replicas: 2), Stack(name: "db", replicas: 1)])

            let request = try #require(server.requests.first)
            let expectedHost = transport == .unixSocket ? "localhost" : "127.0.0.1:\(server.port)"
            #expect(request.header("host") == expectedHost)
            #expect(request.header("connection") == "close")
            #expect(request.header("authorization") == nil)
        }
    }

    @Test(arguments: Transport.allCases)
    func postSendsJSONAndDecodesTheAnswer(transport: Transport) async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: transport.address(of: server), token: nil)
            let body = Array(try JSONEncoder().encode(Stack(name: "web", replicas: 2)))
            let response = try await client.send("POST", "/v1/stacks", body: body, contentType: "application/json")
            #expect(response.status == 201)
            #expect(try response.decode(Stack.self) == Stack(name: "web", replicas: 3))

            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("content-length") == String(body.count))
            #expect(request.body == body)
        }
    }

    @Test(arguments: Transport.allCases)
    func sendsTheBearerToken(transport: Transport) async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: transport.address(of: server), token: " s3cret-token\n")
            let response = try await client.send("GET", "/v1/auth")
            #expect(response.status == 200)
            #expect(server.requests.first?.header("authorization") == "Bearer s3cret-token")
        }
    }

    @Test func unauthorizedWithoutBodySaysToCheckTheToken() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: "wrong")
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("GET", "/v1/auth")
            }
            #expect(error.code == .http)
            #expect(error.status == 401)
            #expect(error.description == "the agent answered 401 Unauthorized; check AICORE_TOKEN")
        }
    }

    @Test func problemJSONBecomesItsDetailLine() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("GET", "/v1/stacks/missing")
            }
            #expect(error.code == .http)
            #expect(error.status == 404)
            #expect(error.description == "stack 'missing' does not exist; `aicore-node ls` lists stacks")
            let problem = try #require(error.problem)
            #expect(problem.title == "Not Found")
            #expect(problem.type == "https://aicore.dev/problems/not-found")
            #expect(
                problem.errors == [
                    .init(detail: "no such stack", pointer: "/name"),
                    .init(detail: "plain entry"),
                    .init(detail: "bad port", location: "compose.yaml:4:9"),
                ])
            #expect(problem.errors?.last?.description == "compose.yaml:4:9: bad port")
        }
    }

    @Test func problemWithoutDetailUsesTheTitle() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("POST", "/v1/stacks/invalid", body: Array("{}".utf8), contentType: "application/json")
            }
            #expect(error.status == 422)
            #expect(error.description == "Invalid stack")
        }
    }

    @Test func plainText500IsOneReadableLine() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .tcp(host: "127.0.0.1", port: server.port), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("GET", "/v1/crash")
            }
            #expect(error.code == .http)
            #expect(error.status == 500)
            #expect(error.problem == nil)
            #expect(error.description == "the agent answered 500 Internal Server Error: database is locked")
        }
    }

    @Test func htmlErrorBodyIsNotShown() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("GET", "/v1/html")
            }
            #expect(error.description == "the agent answered 502 Bad Gateway")
        }
    }

    @Test func absentSocketIsUnreachableNamingTheAddress() async throws {
        let path = "/tmp/aicore-client-absent-\(UInt32.random(in: 0...UInt32.max)).sock"
        let client = AgentClient(address: .unixSocket(path), token: nil)
        let error = try await #require(throws: AICoreError.self) {
            try await client.send("GET", "/v1/stacks")
        }
        #expect(error.code == .unreachable)
        #expect(
            error.description
                == "cannot reach the agent at unix://\(path): No such file or directory; is `aicore-node agent` running?")
        #expect(await client.isReachable() == false)
    }

    @Test func closedPortIsUnreachable() async throws {
        // A socket bound but not listening refuses connections, and holding it keeps any other
        // test from taking the port meanwhile (a port merely closed again can be reused at once).
        let reserved = try ReservedLoopbackPort()
        defer { reserved.release() }
        let port = reserved.port
        let client = AgentClient(address: .tcp(host: "127.0.0.1", port: port), token: nil)
        let error = try await #require(throws: AICoreError.self) {
            try await client.send("GET", "/v1/stacks")
        }
        #expect(error.code == .unreachable)
        #expect(error.description.hasPrefix("cannot reach the agent at http://127.0.0.1:\(port): "))
    }

    @Test func silentAgentTimesOut() async throws {
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let handler: AgentClientTestServer.Handler = { _, _ in
            // Never answers until the test ends.
            for await _ in release {}
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.send("GET", "/v1/stacks", timeout: .milliseconds(200))
            }
            #expect(error.code == .timeout)
            #expect(error.description == "the agent at unix://\(server.socketPath) did not answer within 200ms")
            releaseContinuation.finish()
        }
    }

    @Test func reachableWhenAnythingAnswers() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            #expect(await AgentClient(address: .unixSocket(server.socketPath), token: nil).isReachable())
            #expect(await AgentClient(address: .tcp(host: "127.0.0.1", port: server.port), token: nil).isReachable())
            #expect(server.requests.map(\.uri) == ["/health/live", "/health/live"])
        }
    }

    @Test(arguments: [("get", "/v1/stacks"), ("GET", "v1/stacks"), ("GET", "/v1/a b"), ("GET", "/v1/\r\nX: y")])
    func malformedRequestsAreRejectedBeforeConnecting(method: String, path: String) async throws {
        let client = AgentClient(address: .unixSocket("/nonexistent/aicore.sock"), token: nil)
        let error = try await #require(throws: AICoreError.self) {
            try await client.send(method, path)
        }
        #expect(error.code == .invalidRequest)
    }

    @Test func multiLineDetailBecomesOneLine() {
        let body = #"{"title":"Conflict","detail":"rollout in progress\n  since 12:00\r\nwait or --force"}"#
        let error = AICoreError.http(
            status: 409, reason: "Conflict", contentType: "application/problem+json", body: Array(body.utf8))
        #expect(error.description == "rollout in progress since 12:00 wait or --force")
        #expect(error.problem?.title == "Conflict")
    }

    @Test func undecodableBodyNamesTheField() async throws {
        try await AgentClientTestServer.with(Self.routes) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let response = try await client.send("GET", "/v1/stacks")
            let error = try #require(throws: AICoreError.self) {
                try response.decode([String: [String]].self)
            }
            #expect(error.code == .protocolViolation)
            #expect(error.description.hasPrefix("the agent's answer does not decode as "))
        }
    }
}

/// A TCP port on 127.0.0.1 bound by a socket that never listens: connecting to it is refused.
final class ReservedLoopbackPort: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw AgentClientTestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw AgentClientTestFailure("bind: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() { close(fd) }
}

struct AgentClientTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
