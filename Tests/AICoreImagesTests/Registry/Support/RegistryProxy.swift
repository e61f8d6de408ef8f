import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A `TestHTTPServer` in front of a real registry: forwards every request, and can break the
/// first blob download, by closing the connection or by going silent after some bytes.
enum RegistryProxy {
    enum Fault: Sendable {
        case none
        case cut(after: Int)
        case stall(after: Int)
    }

    private final class Once: Sendable {
        let used = Mutex(false)

        func take() -> Bool {
            used.withLock { used in
                defer { used = true }
                return !used
            }
        }
    }

    static func start(upstream: String, fault: Fault) async throws -> TestHTTPServer {
        let once = Once()
        return try await TestHTTPServer.start { request in
            var response = await forward(request, to: upstream)
            if request.method == .GET, request.path.contains("/blobs/"), response.status == .ok || response.status == .partialContent {
                switch fault {
                case .none: break
                case .cut(let after): if once.take() { response.cutAfter = after }
                case .stall(let after): if once.take() { response.stallAfter = after }
                }
            }
            return response
        }
    }

    private static func forward(_ request: TestHTTPServer.Request, to upstream: String) async -> TestHTTPServer.Response {
        var outgoing = HTTPClientRequest(url: "http://\(upstream)\(request.uri)")
        outgoing.method = request.method
        for (name, value) in request.headers where !["host", "connection", "content-length"].contains(name.lowercased()) {
            outgoing.headers.add(name: name, value: value)
        }
        do {
            let answer = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(30))
            let body = try await answer.body.collect(upTo: 64 << 20)
            var headers: [(String, String)] = []
            for (name, value) in answer.headers where !["connection", "transfer-encoding", "keep-alive"].contains(name.lowercased()) {
                headers.append((name, value))
            }
            return TestHTTPServer.Response(answer.status, headers: headers, body: Array(body.readableBytesView))
        } catch {
            return TestHTTPServer.Response(.badGateway, body: Array("proxy: \(error)".utf8))
        }
    }
}
