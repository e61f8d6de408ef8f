import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny real HTTP/1.1 server for the client's tests, listening on a unix socket in a fresh
/// temp directory and on 127.0.0.1 (an ephemeral port). Each request goes to `handler`;
/// the server records every request and every connection the client closes.
final class AgentClientTestServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first(name: name) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Writes the answer to one request.
    struct Responder: Sendable {
        let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>

        /// A whole answer with Content-Length.
        func respond(_ status: HTTPResponseStatus, contentType: String? = nil, body: String = "") async throws {
            var headers = HTTPHeaders()
            if let contentType { headers.add(name: "Content-Type", value: contentType) }
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
            try await outbound.write(.end(nil))
        }

        /// The head of a chunked answer (no Content-Length, so NIO encodes chunks).
        func head(_ status: HTTPResponseStatus, contentType: String) async throws {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        }

        func chunk(_ text: String) async throws {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: text))))
        }

        func end() async throws {
            try await outbound.write(.end(nil))
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    typealias Handler = @Sendable (Request, Responder) async throws -> Void
    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let directory: String
    let socketPath: String
    let port: Int
    private let task: Task<Void, Never>
    private let recorder: Recorder

    private final class Recorder: Sendable {
        struct State {
            var requests: [Request] = []
            var closedURIs: [String] = []
        }
        let state = Mutex(State())
    }

    var requests: [Request] { recorder.state.withLock { $0.requests } }
    /// The request URIs of connections whose client has closed them, in order.
    var closedURIs: [String] { recorder.state.withLock { $0.closedURIs } }

    private init(directory: String, socketPath: String, port: Int, task: Task<Void, Never>, recorder: Recorder) {
        self.directory = directory
        self.socketPath = socketPath
        self.port = port
        self.task = task
        self.recorder = recorder
    }

    /// Starts a server, runs `body` with it, then stops it and removes its directory.
    static func with<Result>(
        _ handler: @escaping Handler,
        _ body: (AgentClientTestServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(handler)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static func start(_ handler: @escaping Handler) async throws -> AgentClientTestServer {
        let directory = try makeTemporaryDirectory()
        let socketPath = directory + "/agent.sock"
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        let unix = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: socketPath, childChannelInitializer: initializer)
        let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0, childChannelInitializer: initializer)
        guard let port = tcp.channel.localAddress?.port else {
            throw Failure("the TCP listener has no port")
        }
        let recorder = Recorder()
        let task = Task {
            await withDiscardingTaskGroup { group in
                for listener in [unix, tcp] {
                    group.addTask { await serve(listener, recorder: recorder, handler: handler) }
                }
            }
        }
        return AgentClientTestServer(
            directory: directory, socketPath: socketPath, port: port, task: task, recorder: recorder)
    }

    func stop() async {
        task.cancel()
        await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func serve(
        _ listener: NIOAsyncChannel<Connection, Never>,
        recorder: Recorder,
        handler: @escaping Handler
    ) async {
        try? await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await handle(connection, recorder: recorder, handler: handler) }
                }
            }
        }
    }

    /// Reads one request, lets `handler` answer, then waits until the client closes.
    private static func handle(_ connection: Connection, recorder: Recorder, handler: @escaping Handler) async {
        var uri = "?"
        try? await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            while let part = try await iterator.next() {
                switch part {
                case .head(let received):
                    head = received
                    uri = received.uri
                case .body(let buffer):
                    body += buffer.readableBytesView
                case .end:
                    guard let head else { return }
                    let request = Request(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body)
                    recorder.state.withLock { $0.requests.append(request) }
                    try await handler(request, Responder(outbound: outbound))
                    while try await iterator.next() != nil {}
                    return
                }
            }
        }
        if !Task.isCancelled {
            let closed = uri
            recorder.state.withLock { $0.closedURIs.append(closed) }
        }
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/aicore-client-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else {
            throw Failure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }
}

