import AICoreErrors
import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension RegistryClient {
    /// Nothing for a 200; otherwise the error its status means: `notFound` (the caller's words
    /// for what is missing) for a 404, `statusError` for the rest.
    nonisolated func requireOK(_ answer: RegistryAnswer, what: String, notFound: @autoclosure () -> String) async throws(AICoreError) {
        let response = answer.response
        guard response.status.code != 200 else { return }
        if response.status.code == 404 {
            await RegistryClient.drain(response)
            throw AICoreError(.notFound, notFound(), context: ["status": "404"])
        }
        throw await statusError(response, what: what, host: answer.endpoint.host)
    }

    /// The error for an answer that is not what was asked for: 429 is `.rateLimited` (with
    /// `Retry-After`), anything else `.registry` with the status and the registry's own words
    /// (its `errors` array), which name the problem better than a status does.
    nonisolated func statusError(_ response: HTTPClientResponse, what: String, host: String) async -> AICoreError {
        let status = response.status.code
        if status == 429 {
            let retryAfter = response.headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces)
            await RegistryClient.drain(response)
            var context = ["status": "429"]
            var when = "wait a while and pull again"
            if let retryAfter, !retryAfter.isEmpty {
                context["retryAfter"] = retryAfter
                when = Int(retryAfter) != nil ? "retry after \(retryAfter) s" : "retry after \(retryAfter)"
            }
            return AICoreError(.rateLimited, "\(what): \(host) is rate-limiting pulls (HTTP 429); \(when), or log in to raise the limit (aicore-node login \(host))", context: context)
        }
        let detail = await RegistryClient.registryErrorText(response)
        let reason = detail.map { ": \($0)" } ?? ""
        let next = status >= 500 ? "the registry failed; try again later" : "check the reference and the registry"
        return AICoreError(.registry, "\(what): \(host) answered HTTP \(status)\(reason); \(next)", context: ["status": "\(status)"])
    }

    /// Whether a failure may pass if tried again: the network, a stall, a broken stream, 5xx.
    static func isRetryable(_ error: AICoreError) -> Bool {
        switch error.code {
        case .unreachable, .timeout, .protocolViolation: return true
        case .registry: return (error.context["status"].flatMap(Int.init) ?? 0) >= 500
        default: return false
        }
    }

    /// `CODE message` of the first error in a distribution-style body, if it has one.
    static func registryErrorText(_ response: HTTPClientResponse) async -> String? {
        struct Body: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]?
        }
        // Only for the message: a body that cannot be read just leaves it out.
        guard let buffer = try? await response.body.collect(upTo: 1 << 16),
              let body = try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)),
              let first = body.errors?.first
        else { return nil }
        let text = [first.code, first.message].compactMap { $0 }.joined(separator: " ")
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.isEmpty ? nil : String(line.prefix(200))
    }
}
