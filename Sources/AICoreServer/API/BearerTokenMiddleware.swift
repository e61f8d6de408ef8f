import AICoreErrors
import Hummingbird

/// TCP clients must send `Authorization: Bearer <token>`; only `/health/*` answers without it.
/// The comparison takes the same time wherever the first difference is.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    public init(token: String) {
        self.token = Array(token.utf8)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/health/") {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw AICoreError(.unauthorized, "this endpoint needs `Authorization: Bearer <token>` (the agent's token file)")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), token) else {
            throw AICoreError(.unauthorized, "the bearer token is wrong")
        }
        return try await next(request, context)
    }

    /// Equal lengths and bytes, looking at every byte of the longer input either way.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ expected.count)
        let length = max(given.count, expected.count)
        for index in 0..<length {
            let a = index < given.count ? given[index] : 0
            let b = index < expected.count ? expected[index] : 0
            difference |= UInt(a ^ b)
        }
        return difference == 0 && !expected.isEmpty
    }
}
