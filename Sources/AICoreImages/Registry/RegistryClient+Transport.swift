import AICoreErrors
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// Redirects are followed up to this many hops, as Docker and AsyncHTTPClient's default do.
    static let maximumRedirects = 5

    /// Sends one request and follows its redirects. `Authorization` is dropped for good at the
    /// first hop to another origin (scheme, host, port), and a hop to plain HTTP is refused unless
    /// the configuration allows that host.
    nonisolated func followingRedirects(
        _ method: HTTPMethod, _ url: URL, headers: HTTPHeaders, body: [UInt8]? = nil, what: String
    ) async throws(AICoreError) -> FollowedResponse {
        var method = method
        var url = url
        var headers = headers
        var body = body
        var leftOrigin = false
        for hop in 0...RegistryClient.maximumRedirects {
            let response = try await execute(method, url, headers: headers, body: body, what: what)
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                  let location = response.headers.first(name: "Location")
            else {
                return FollowedResponse(response: response, url: url, leftOrigin: leftOrigin)
            }
            await RegistryClient.drain(response)
            guard hop < RegistryClient.maximumRedirects else {
                throw AICoreError(.registry, "\(what): more than \(RegistryClient.maximumRedirects) redirects (last to \(location)); check the registry's configuration", context: ["status": "\(response.status.code)"])
            }
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL, let scheme = next.scheme?.lowercased(),
                  scheme == "https" || scheme == "http", let host = next.host, !host.isEmpty
            else {
                throw AICoreError(.registry, "\(what): redirected to \"\(location)\", which is not an http(s) URL; check the registry's configuration", context: ["status": "\(response.status.code)"])
            }
            if scheme == "http", !configuration.allowsPlainHTTP(host: RegistryClient.hostPort(of: next)) {
                throw AICoreError(.registry, "\(what): redirected to plain http at \(RegistryClient.hostPort(of: next)), which is not an insecure registry; add it to the insecure registries only if it is trusted", context: ["status": "\(response.status.code)"])
            }
            if !RegistryClient.sameOrigin(url, next) {
                // Credentials are the registry's: storage behind a redirect never gets them.
                leftOrigin = true
                headers.remove(name: "Authorization")
            }
            if response.status.code == 303 || ([301, 302].contains(response.status.code) && method == .POST) {
                method = method == .HEAD ? .HEAD : .GET
                body = nil
                headers.remove(name: "Content-Type")
            }
            logger.debug("following a redirect", metadata: ["from": "\(url.absoluteString)", "to": "\(next.absoluteString)", "status": "\(response.status.code)"])
            url = next
        }
        // The loop returns or throws at its last hop.
        throw AICoreError(.registry, "\(what): too many redirects")
    }

    /// One HTTP exchange; a failure to get an answer becomes `.unreachable`, `.timeout` or
    /// `.cancelled`.
    nonisolated func execute(_ method: HTTPMethod, _ url: URL, headers: HTTPHeaders, body: [UInt8]?, what: String) async throws(AICoreError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers = headers
        if !request.headers.contains(name: "User-Agent") {
            request.headers.add(name: "User-Agent", value: "aicore-node")
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        logger.trace("registry request", metadata: ["method": "\(method.rawValue)", "url": "\(url.absoluteString)"])
        do {
            // No overall deadline: a large blob takes as long as it takes. A stalled one is caught
            // by the read timeout (`Options.stallTimeout`), an unreachable host by the connect one.
            guard let client = http.client else {
                throw AICoreError(.shutDown, "the registry client was shut down (the agent is stopping)")
            }
            return try await client.execute(request, deadline: .distantFuture)
        } catch {
            throw transportError(error, what: what, host: RegistryClient.hostPort(of: url))
        }
    }

    /// What a failure below HTTP means for the caller.
    nonisolated func transportError(_ error: any Error, what: String, host: String) -> AICoreError {
        if let error = error as? AICoreError { return error }
        if error is CancellationError || Task.isCancelled {
            return AICoreError(.cancelled, "\(what): cancelled", cause: error)
        }
        if let client = error as? HTTPClientError {
            if client == .cancelled {
                return AICoreError(.cancelled, "\(what): cancelled", cause: error)
            }
            if client == .readTimeout {
                return AICoreError(.timeout, "\(what): \(host) sent nothing for \(options.stallTimeout); check the network or raise the stall timeout", cause: error)
            }
            if client == .connectTimeout {
                return AICoreError(.unreachable, "\(what): connecting to \(host) timed out after \(options.connectTimeout); check the registry address and the network", cause: error)
            }
            if client == .remoteConnectionClosed {
                return AICoreError(.protocolViolation, "\(what): \(host) closed the connection early; it is retried", cause: error)
            }
        }
        return AICoreError(.unreachable, "\(what): cannot reach \(host) (\(error)); check the registry address and the network", cause: error)
    }

    /// Reads a (small) body whole, refusing more than `limit` bytes however the sender
    /// announced it: the count is kept while reading, not taken from `Content-Length`.
    nonisolated func readBody(_ response: HTTPClientResponse, limit: Int, what: String, host: String) async throws(AICoreError) -> [UInt8] {
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            await RegistryClient.drain(response, upTo: 0)
            throw AICoreError(.invalidImage, "\(what): \(host) sent \(length) bytes, more than the limit of \(limit); the content was refused")
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= limit else {
                    throw AICoreError(.invalidImage, "\(what): \(host) sent more than the limit of \(limit) bytes; the content was refused")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw transportError(error, what: what, host: host)
        }
        return bytes
    }

    /// Reads what remains of a body that is not needed, so that its connection can serve the
    /// next request; a large one is abandoned instead (AsyncHTTPClient then closes it).
    static func drain(_ response: HTTPClientResponse, upTo limit: Int = 1 << 16) async {
        guard limit > 0 else { return }
        // A failure here only costs the connection, which the next request opens anew.
        _ = try? await response.body.collect(upTo: limit)
    }

    /// `host[:port]` of a URL, as registries are named (IPv6 bracketed).
    static func hostPort(of url: URL) -> String {
        let host = url.host ?? ""
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port = url.port { return "\(shown):\(port)" }
        return shown
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func origin(_ url: URL) -> (String, String, Int) {
            let scheme = url.scheme?.lowercased() ?? ""
            return (scheme, url.host?.lowercased() ?? "", url.port ?? (scheme == "https" ? 443 : 80))
        }
        return origin(a) == origin(b)
    }

    /// The media type of a `Content-Type` value, without parameters.
    static func mediaType(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type.isEmpty ? nil : type
    }
}
