import AICoreErrors

/// How the REST API reports an `AICoreError`: the one table from error codes to HTTP statuses
/// and problem types. Codes not listed are the agent's own failures (500).
extension AICoreError {
    /// The HTTP status and the last segment of the problem type (`https://aicore.dev/problems/…`).
    public struct HTTPProblem: Sendable, Equatable {
        public let status: Int
        public let type: String
    }

    static let problems: [Code: HTTPProblem] = [
        .badRequest: HTTPProblem(status: 400, type: "bad-request"),
        .unauthorized: HTTPProblem(status: 401, type: "unauthorized"),
        .notFound: HTTPProblem(status: 404, type: "not-found"),
        .methodNotAllowed: HTTPProblem(status: 405, type: "method-not-allowed"),
        // The request does not fit the state: a gate that cannot open, a pool or a budget that
        // has nothing left, a failed rollout.
        .conflict: HTTPProblem(status: 409, type: "conflict"),
        .dependencyFailed: HTTPProblem(status: 409, type: "conflict"),
        .timeout: HTTPProblem(status: 409, type: "conflict"),
        .exhausted: HTTPProblem(status: 409, type: "conflict"),
        .rolloutFailed: HTTPProblem(status: 409, type: "conflict"),
        .disruptionBudget: HTTPProblem(status: 409, type: "conflict"),
        .payloadTooLarge: HTTPProblem(status: 413, type: "payload-too-large"),
        .unsupportedMediaType: HTTPProblem(status: 415, type: "unsupported-media-type"),
        .invalidSpec: HTTPProblem(status: 422, type: "invalid-spec"),
        // A reference or digest the client wrote; an image that cannot be used as given.
        .invalidReference: HTTPProblem(status: 422, type: "invalid-reference"),
        .invalidDigest: HTTPProblem(status: 422, type: "invalid-reference"),
        // The stack's Dockerfile failed to build: the request's content, not the agent.
        .buildFailed: HTTPProblem(status: 422, type: "build-failed"),
        // The registry (upstream) failed, refused us, throttled us or sent bad content.
        .registry: HTTPProblem(status: 502, type: "registry"),
        .registryAuth: HTTPProblem(status: 502, type: "registry-auth"),
        .rateLimited: HTTPProblem(status: 502, type: "registry-rate-limited"),
        .digestMismatch: HTTPProblem(status: 502, type: "registry"),
        .invalidImage: HTTPProblem(status: 502, type: "invalid-image"),
        .unsafeLayer: HTTPProblem(status: 502, type: "unsafe-layer"),
        .unavailable: HTTPProblem(status: 503, type: "unavailable"),
    ]

    static let internalProblem = HTTPProblem(status: 500, type: "internal")

    /// The codes a Store failure carries: reported as the agent's own failure, saying it was the Store.
    static let storeCodes: Set<Code> = [.store, .cannotOpen, .corrupt, .readOnly, .diskFull, .tooNew]

    public var httpProblem: HTTPProblem { Self.problems[code] ?? Self.internalProblem }

    /// The code an HTTP status stands for, for errors raised as a bare status (Hummingbird's `HTTPError`).
    static func code(forStatus status: Int) -> Code {
        switch status {
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
    }
}
