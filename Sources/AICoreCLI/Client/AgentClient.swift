import AICoreErrors
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A client of the agent's REST API (`/v1/...`, JSON) over a unix socket or TCP.
///
/// Each request uses its own HTTP/1.1 connection (`Connection: close`), which keeps the client
/// stateless: no pool to drain, nothing shared between tasks. Answers outside 2xx throw an
/// ``AICoreError`` with code `.http`, carrying the problem+json body when there was one.
public struct AgentClient: Sendable {
    public let address: AgentAddress
    private let token: String?
    /// PEM file of the certificates to trust for `https://` (a self-signed agent certificate,
    /// or its CA); nil trusts the system's roots.
    private let trustRoots: String?
    private let group: any EventLoopGroup

    /// Bodies larger than this are refused rather than buffered (`send` only; streams are not
    /// limited).
    static let maximumBodySize = 64 << 20
    static let userAgent = "aicore-node"

    typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// - Parameter token: sent as `Authorization: Bearer <token>` when not empty; the caller
    ///   takes it from `AICORE_TOKEN`. Surrounding whitespace (a token file's newline) is dropped.
    /// Where the address came from when nobody named it ("looked for …"), said when nothing
    /// answers there, so that a user sees which sockets were tried.
    public var lookedFor: String?

    public init(address: AgentAddress, token: String?, trustRoots: String? = nil, lookedFor: String? = nil) {
        self.address = address
        self.lookedFor = lookedFor
        self.trustRoots = trustRoots
        let trimmed = token?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.token = trimmed?.isEmpty == false ? trimmed : nil
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// One request, the whole answer.
    ///
    /// - Parameters:
    ///   - path: the request target, starting with `/`, query included (`/v1/stacks?all=true`).
    ///   - body: the request body, sent with `contentType` (`application/json`, `application/yaml`).
    ///   - timeout: for everything: connecting, sending, and receiving the whole answer.
    public func send(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(AICoreError) -> AgentResponse {
        let head = try makeHead(method, path, body: body, contentType: contentType)
        let address = self.address
        do {
            return try await withThrowingTaskGroup(of: AgentResponse?.self) { group in
                group.addTask { try await self.exchange(head, body: body, timeout: timeout) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard case .some(.some(let response)) = try await group.next() else {
                    throw AICoreError.timeout(address, after: timeout)
                }
                return response
            }
        } catch {
            throw map(error)
        }
    }

    /// A request whose answer arrives over time: chunked `logs?follow=true`, `events` as
    /// `text/event-stream`.
    ///
    /// Returns once the response head arrives (a non-2xx answer is read whole and thrown).
    /// The returned chunks end when the agent ends the response; cancelling the consuming task,
    /// or letting go of the stream and its iterators, closes the connection.
    ///
    /// - Parameter timeout: for connecting and receiving the response head; the body may take
    ///   as long as it likes.
    public func stream(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(AICoreError) -> AgentStream {
        let head = try makeHead(method, path, body: body, contentType: contentType)
        let address = self.address
        let connection: Connection
        do {
            connection = try await connect(timeout: timeout)
        } catch {
            throw map(error)
        }
        let headPromise = connection.channel.eventLoop.makePromise(of: HTTPResponseHead.self)
        let (chunks, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self, throwing: (any Error).self)

        let reader = Task {
            do {
                try await connection.executeThenClose { inbound, outbound in
                    try await Self.write(head, body: body, to: outbound)
                    var responseHead: HTTPResponseHead?
                    var delivered = false
                    var errorBody: [UInt8] = []
                    for try await part in inbound {
                        switch part {
                        case .head(let received):
                            // 1xx heads (100 Continue) precede the real answer; skip them.
                            responseHead = received.status.code < 200 ? nil : received
                            if let responseHead, (200..<300).contains(responseHead.status.code) {
                                delivered = true
                                headPromise.succeed(responseHead)
                            }
                        case .body(let buffer):
                            if delivered {
                                continuation.yield(Array(buffer.readableBytesView))
                            } else if responseHead != nil, errorBody.count < 65536 {
                                errorBody += buffer.readableBytesView.prefix(65536 - errorBody.count)
                            }
                        case .end:
                            guard let responseHead else { continue }
                            if delivered {
                                continuation.finish()
                                return
                            }
                            throw AICoreError.http(
                                status: Int(responseHead.status.code), reason: responseHead.status.reasonPhrase,
                                contentType: responseHead.headers.first(name: "content-type"), body: errorBody)
                        }
                    }
                    throw AICoreError.protocolViolation(
                        address, "closed the connection before the response was complete")
                }
            } catch {
                let failure = Task.isCancelled ? AICoreError.cancelled : self.map(error)
                headPromise.fail(failure)
                continuation.finish(throwing: failure)
            }
        }
        // Cancelling the reader alone may not end a read in flight: close the channel too, so
        // that the agent sees the client go at once.
        let channel = connection.channel
        continuation.onTermination = { _ in
            reader.cancel()
            channel.close(promise: nil)
        }

        let deadline = connection.channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            headPromise.fail(AICoreError.timeout(address, after: timeout))
            reader.cancel()
            channel.close(promise: nil)
        }
        do {
            let responseHead = try await withTaskCancellationHandler {
                try await headPromise.futureResult.get()
            } onCancel: {
                reader.cancel()
                channel.close(promise: nil)
            }
            deadline.cancel()
            return AgentStream(
                status: Int(responseHead.status.code),
                headers: responseHead.headers.map { ($0.name, $0.value) },
                chunks: chunks)
        } catch {
            deadline.cancel()
            reader.cancel()
            channel.close(promise: nil)
            throw map(error)
        }
    }

    /// True when an HTTP server answers `GET /health/live` at the address within `timeout`,
    /// whatever the status (a 401 still means an agent is there). `up` uses it to decide
    /// whether to start an embedded agent.
    public func isReachable(timeout: Duration = .seconds(10)) async -> Bool {
        await unreachable(timeout: timeout) == nil
    }

    /// Why nothing answers `GET /health/live` at the address within `timeout` (the connection's
    /// failure, naming the address); nil when an HTTP server answers, whatever the status.
    /// `config validate` says it when it skips the node's checks.
    public func unreachable(timeout: Duration = .seconds(10)) async -> AICoreError? {
        do {
            _ = try await send("GET", "/health/live", timeout: timeout)
            return nil
        } catch {
            return error.code == .http ? nil : error
        }
    }

    // MARK: - One exchange

    private func exchange(_ head: HTTPRequestHead, body: [UInt8]?, timeout: Duration) async throws -> AgentResponse {
        let connection = try await connect(timeout: timeout)
        let address = self.address
        return try await connection.executeThenClose { inbound, outbound in
            try await Self.write(head, body: body, to: outbound)
            var responseHead: HTTPResponseHead?
            var collected: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let received):
                    // 1xx heads (100 Continue) precede the real answer; skip them.
                    responseHead = received.status.code < 200 ? nil : received
                case .body(let buffer):
                    guard responseHead != nil else { continue }
                    guard collected.count + buffer.readableBytes <= Self.maximumBodySize else {
                        throw AICoreError.protocolViolation(
                            address, "sent an answer larger than \(Self.maximumBodySize >> 20) MiB")
                    }
                    collected += buffer.readableBytesView
                case .end:
                    guard let responseHead else { continue }
                    let status = Int(responseHead.status.code)
                    guard (200..<300).contains(status) else {
                        throw AICoreError.http(
                            status: status, reason: responseHead.status.reasonPhrase,
                            contentType: responseHead.headers.first(name: "content-type"), body: collected)
                    }
                    return AgentResponse(
                        status: status, headers: responseHead.headers.map { ($0.name, $0.value) }, body: collected)
                }
            }
            throw AICoreError.protocolViolation(address, "closed the connection before the response was complete")
        }
    }

    private func connect(timeout: Duration) async throws -> Connection {
        let bootstrap = ClientBootstrap(group: group).connectTimeout(TimeAmount(timeout))
        let tlsContext = try tlsContextIfNeeded()
        let serverHostname = address.tlsServerHostname
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tlsContext {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        do {
            switch address.kind {
            case .unixSocket(let path):
                return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port):
                return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            }
        } catch {
            throw unreachable(error)
        }
    }

    /// The TLS context for an `https://` address (nil otherwise).
    private func tlsContextIfNeeded() throws -> NIOSSLContext? {
        guard address.tls else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRoots { configuration.trustRoots = .file(trustRoots) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw AICoreError.client(.invalidRequest, "cannot set up TLS for \(address)\(trustRoots.map { " with \($0)" } ?? ""): \(error)", cause: error)
        }
    }

    private static func write(
        _ head: HTTPRequestHead,
        body: [UInt8]?,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    ) async throws {
        var parts: [HTTPClientRequestPart] = [.head(head)]
        if let body, !body.isEmpty {
            parts.append(.body(.byteBuffer(ByteBuffer(bytes: body))))
        }
        parts.append(.end(nil))
        try await outbound.write(contentsOf: parts)
    }

    // MARK: - Request head

    private func makeHead(
        _ method: String,
        _ path: String,
        body: [UInt8]?,
        contentType: String?
    ) throws(AICoreError) -> HTTPRequestHead {
        guard !method.isEmpty, method.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw .invalidRequest("'\(method)' is not an HTTP method")
        }
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequest("the request path '\(path)' must start with '/' and be percent-encoded")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: address.hostHeader)
        headers.add(name: "User-Agent", value: Self.userAgent)
        headers.add(name: "Accept", value: "application/json, application/problem+json, */*;q=0.5")
        if let token {
            guard token.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw .invalidRequest("the token contains control characters; check AICORE_TOKEN")
            }
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let contentType {
            guard contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw .invalidRequest("the content type '\(contentType)' contains control characters")
            }
            headers.add(name: "Content-Type", value: contentType)
        }
        let methodTakesBody = ["POST", "PUT", "PATCH"].contains(method)
        if body != nil || methodTakesBody {
            headers.add(name: "Content-Length", value: String(body?.count ?? 0))
        }
        headers.add(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers)
    }

    // MARK: - Errors

    /// Any error from a request, as an ``AICoreError``.
    private func map(_ error: any Error) -> AICoreError {
        if let error = error as? AICoreError { return error }
        if error is CancellationError || Task.isCancelled { return .cancelled }
        if let error = error as? HTTPParserError {
            return .protocolViolation(address, "sent an invalid HTTP answer (\(error))", cause: error)
        }
        if let error = error as? IOError {
            return .protocolViolation(
                address, "dropped the connection: \(String(cString: strerror(error.errnoCode)))", cause: error)
        }
        if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel || error == .alreadyClosed {
            return .protocolViolation(address, "closed the connection before the response was complete", cause: error)
        }
        return .protocolViolation(address, "failed the request: \(error)", cause: error)
    }

    /// A connection failure, naming the address and the errno text (and where else the
    /// client looked, when the address was its default).
    private func unreachable(_ error: any Error) -> any Error {
        guard let lookedFor, var failure = connectFailure(error) as? AICoreError, failure.code == .unreachable else {
            return connectFailure(error)
        }
        failure.message += " (\(lookedFor))"
        return failure
    }

    private func connectFailure(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? IOError {
            return AICoreError.unreachable(address, errno: error.errnoCode, cause: error)
        }
        if let error = error as? NIOConnectionError {
            if let io = error.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
                return AICoreError.unreachable(address, errno: io.errnoCode, cause: error)
            }
            let timedOut = error.connectionErrors.contains {
                if case .connectTimeout = $0.error as? ChannelError { true } else { false }
            }
            if timedOut {
                return AICoreError.unreachable(address, errno: ETIMEDOUT, cause: error)
            }
            if error.connectionErrors.isEmpty {
                return AICoreError.client(.unreachable, "cannot reach the agent at \(address): the host name '\(error.host)' does not resolve",
                    cause: error)
            }
            return AICoreError.unreachable(address, errno: nil, cause: error.connectionErrors.first?.error)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return AICoreError.unreachable(address, errno: ETIMEDOUT, cause: error)
        }
        if error is SocketAddressError {
            return AICoreError.client(.unreachable, "cannot reach the agent at \(address): \(error)", cause: error)
        }
        return AICoreError.unreachable(address, errno: nil, cause: error)
    }
}
