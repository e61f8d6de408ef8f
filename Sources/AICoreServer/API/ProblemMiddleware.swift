import AICoreErrors
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Turns every error into an RFC 9457 problem document with the right status. A 500 says only
/// that something failed inside the agent (the log has the rest): never internals.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AICoreError {
            if error.httpProblem.status >= 500 {
                logger.error("\(request.method) \(request.uri.path): \(error.message)")
            }
            return Self.response(for: error)
        } catch let error as HTTPError {
            let message = error.body ?? Self.status(error.status.code).reasonPhrase
            let code = AICoreError.code(forStatus: error.status.code)
            let detail = code == .notFound && error.body == nil ? "no such endpoint: \(request.method) \(request.uri.path)" : message
            return Self.response(for: AICoreError(code, detail))
        } catch is DecodingError {
            return Self.response(for: AICoreError(.badRequest, "the body is not the JSON this endpoint expects"))
        } catch is NIOTooManyBytesError {
            // `collectBody(upTo:)` over its limit.
            return Self.response(for: AICoreError(.payloadTooLarge, "the body is larger than the \(ControlAPI.maxBodyBytes >> 20) MiB the agent accepts"))
        } catch {
            logger.error("\(request.method) \(request.uri.path): \(error)")
            return Self.response(for: AICoreError(.internalError, "the agent failed to handle the request; its log says why"))
        }
    }

    static func response(for error: AICoreError) -> Response {
        let document = document(for: error)
        let data = (try? ControlAPI.encoder.encode(document)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = ProblemDocument.mediaType
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"aicore\"" }
        return Response(status: status(document.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func document(for error: AICoreError) -> ProblemDocument {
        let problem = error.httpProblem
        return ProblemDocument(type: "https://aicore.dev/problems/\(problem.type)", title: status(problem.status).reasonPhrase,
                               status: problem.status, detail: detail(of: error),
                               errors: error.details.isEmpty ? nil : error.details)
    }

    /// The problem's `detail`: the message, saying for the agent's own failures that it was the
    /// agent (or its Store) that failed, not the request.
    static func detail(of error: AICoreError) -> String {
        guard error.httpProblem.status == 500 else { return error.message }
        if AICoreError.storeCodes.contains(error.code) { return "the agent's Store failed: \(error.message)" }
        if error.cause != nil || error.code != .internalError { return "the agent failed: \(error.message)" }
        return error.message
    }

    /// The status with its reason phrase: `Status(code:)` alone has an empty one.
    static func status(_ code: Int) -> HTTPResponse.Status {
        let known: [HTTPResponse.Status] = [.badRequest, .unauthorized, .notFound, .methodNotAllowed, .conflict, .contentTooLarge,
                                            .unsupportedMediaType, .unprocessableContent, .internalServerError, .badGateway,
                                            .serviceUnavailable]
        return known.first { $0.code == code } ?? HTTPResponse.Status(code: code)
    }
}
