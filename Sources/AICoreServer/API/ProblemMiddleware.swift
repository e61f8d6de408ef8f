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
        } catch let error as AgentError {
            if error.code == .internalError {
                logger.error("\(request.method) \(request.uri.path): \(error.message)")
            }
            return Self.response(for: error)
        } catch let error as HTTPError {
            let message = error.body ?? Self.status(error.status.code).reasonPhrase
            let code: AgentError.Code = switch error.status.code {
            case 400: .badRequest
            case 401: .unauthorized
            case 404: .notFound
            case 405: .methodNotAllowed
            case 409: .conflict
            case 413: .payloadTooLarge
            case 415: .unsupportedMediaType
            case 422: .invalidSpec
            case 503: .unavailable
            default: .internalError
            }
            let detail = code == .notFound && error.body == nil ? "no such endpoint: \(request.method) \(request.uri.path)" : message
            return Self.response(for: AgentError(code, detail))
        } catch is DecodingError {
            return Self.response(for: AgentError(.badRequest, "the body is not the JSON this endpoint expects"))
        } catch is NIOTooManyBytesError {
            // `collectBody(upTo:)` over its limit.
            return Self.response(for: AgentError(.payloadTooLarge, "the body is larger than the \(ControlAPI.maxBodyBytes >> 20) MiB the agent accepts"))
        } catch {
            logger.error("\(request.method) \(request.uri.path): \(error)")
            return Self.response(for: AgentError(.internalError, "the agent failed to handle the request; its log says why"))
        }
    }

    static func response(for error: AgentError) -> Response {
        let problem = ProblemDocument(type: "https://aicore.dev/problems/\(error.code.name)", title: title(error.code),
                                      status: error.code.status,
                                      detail: error.code == .internalError && error.cause != nil ? "the agent failed: \(error.message)" : error.message,
                                      errors: error.details.isEmpty ? nil : error.details)
        let data = (try? ControlAPI.encoder.encode(problem)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = ProblemDocument.mediaType
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"aicore\"" }
        return Response(status: status(error.code.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func title(_ code: AgentError.Code) -> String {
        status(code.status).reasonPhrase
    }

    /// The status with its reason phrase: `Status(code:)` alone has an empty one.
    static func status(_ code: Int) -> HTTPResponse.Status {
        let known: [HTTPResponse.Status] = [.badRequest, .unauthorized, .notFound, .methodNotAllowed, .conflict, .contentTooLarge,
                                            .unsupportedMediaType, .unprocessableContent, .internalServerError, .serviceUnavailable]
        return known.first { $0.code == code } ?? HTTPResponse.Status(code: code)
    }
}
