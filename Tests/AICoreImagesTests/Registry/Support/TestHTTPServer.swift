import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A scriptable HTTP/1.1 server on a loopback address for the registry client's failure tests:
/// a fake registry, blob storage behind a redirect, a proxy that cuts or stalls a download.
/// Every request is recorded with its headers; `handler` decides each answer.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders

        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    struct Response: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: [UInt8]
        /// Send the head (with the whole body's length) and this many body bytes, then close.
        var cutAfter: Int?
        /// Send the head and this many body bytes, then nothing, until the client gives up.
        var stallAfter: Int?
        /// No `Content-Length`: the body goes chunked, its size unannounced.
        var chunked = false

        init(_ status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8] = [], cutAfter: Int? = nil, stallAfter: Int? = nil, chunked: Bool = false) {
            self.status = status
            self.headers = HTTPHeaders(headers)
            self.body = body
            self.cutAfter = cutAfter
            self.stallAfter = stallAfter
            self.chunked = chunked
        }
    }

    typealias Handler = @Sendable (Request) async -> Response

    let host: String
    let port: Int
    private let channel: any Channel
    private let handler: Handler
    private let state = Mutex<(requests: [Request], connections: [ObjectIdentifier: any Channel], bodyBytesSent: Int)>(([], [:], 0))

    /// `host:port`, as a registry is named in a reference.
    var authority: String { "\(host):\(port)" }
    var requests: [Request] { state.withLock { $0.requests } }
    /// Body bytes written to clients so far (what a download really cost).
    var bodyBytesSent: Int { state.withLock { $0.bodyBytesSent } }

    private init(host: String, port: Int, channel: any Channel, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.channel = channel
        self.handler = handler
    }

    /// Listens on `host` (any 127.0.0.0/8 address) at a port the kernel picks.
    static func start(host: String = "127.0.0.1", handler: @escaping Handler) async throws -> TestHTTPServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let server = box.server.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    server.track(child)
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try child.pipeline.syncOperations.addHandler(Connection(server: server))
                }
            }
            .bind(host: host, port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        let server = TestHTTPServer(host: host, port: port, channel: channel, handler: handler)
        box.server.withLock { $0 = server }
        return server
    }

    /// Closes the listener and every connection (a stalled one included).
    func stop() async {
        let open = state.withLock { Array($0.connections.values) }
        for connection in open { connection.close(promise: nil) }
        try? await channel.close()
    }

    private func track(_ child: any Channel) {
        let id = ObjectIdentifier(child)
        state.withLock { $0.connections[id] = child }
        child.closeFuture.whenComplete { [self] _ in
            state.withLock { _ = $0.connections.removeValue(forKey: id) }
        }
    }

    fileprivate func record(_ request: Request) {
        state.withLock { $0.requests.append(request) }
    }

    fileprivate func countSent(_ bytes: Int) {
        state.withLock { $0.bodyBytesSent += bytes }
    }

    fileprivate func answer(_ request: Request) async -> Response {
        await handler(request)
    }

    /// The server, for connections accepted before `start` has returned it.
    private final class ServerBox: Sendable {
        let server = Mutex<TestHTTPServer?>(nil)
    }

    /// One connection: requests in order, each answered once its handler returns.
    private final class Connection: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: TestHTTPServer
        var head: HTTPRequestHead?

        init(server: TestHTTPServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
            case .body:
                break
            case .end:
                guard let head else { return }
                self.head = nil
                let request = Request(method: head.method, uri: head.uri, headers: head.headers)
                server.record(request)
                let server = server
                let promise = context.eventLoop.makePromise(of: Response.self)
                promise.completeWithTask { await server.answer(request) }
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                promise.futureResult.whenSuccess { response in
                    let (handler, context) = bound.value
                    handler.respond(response, to: head, context: context)
                }
            }
        }

        func respond(_ response: Response, to head: HTTPRequestHead, context: ChannelHandlerContext) {
            var headers = response.headers
            if response.chunked {
                headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            } else if !headers.contains(name: "Content-Length") {
                headers.add(name: "Content-Length", value: "\(response.body.count)")
            }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            if head.method == .HEAD {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            if let limit = response.cutAfter ?? response.stallAfter {
                let prefix = Array(response.body.prefix(limit))
                server.countSent(prefix.count)
                let written = context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: prefix)))))
                if response.cutAfter != nil {
                    // Closed only once the bytes are on the wire, so the client gets exactly them.
                    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    written.whenComplete { _ in bound.value.close(promise: nil) }
                }
                return
            }
            server.countSent(response.body.count)
            if !response.body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
