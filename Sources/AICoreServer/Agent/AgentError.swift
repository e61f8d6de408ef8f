import AICoreController
import AICoreStore

/// What went wrong in an agent operation, as the REST API reports it: `code` picks the HTTP
/// status and the problem type; `message` is one line that says what to do next; `details`
/// are the located spec errors of a 422.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let status: Int
        public let name: String
        public var description: String { name }

        public static let badRequest = Code(status: 400, name: "bad-request")
        public static let unauthorized = Code(status: 401, name: "unauthorized")
        public static let notFound = Code(status: 404, name: "not-found")
        public static let methodNotAllowed = Code(status: 405, name: "method-not-allowed")
        public static let conflict = Code(status: 409, name: "conflict")
        public static let payloadTooLarge = Code(status: 413, name: "payload-too-large")
        public static let unsupportedMediaType = Code(status: 415, name: "unsupported-media-type")
        public static let invalidSpec = Code(status: 422, name: "invalid-spec")
        public static let internalError = Code(status: 500, name: "internal")
        public static let unavailable = Code(status: 503, name: "unavailable")
    }

    public var code: Code
    public var message: String
    public var details: [String]
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, details: [String] = [], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.cause = cause
    }

    public var description: String { message }

    /// A controller failure, with the status its code stands for.
    public static func from(_ error: ControllerError) -> AgentError {
        let code: Code = switch error.code {
        case .notFound: .notFound
        case .dependencyFailed, .timeout, .exhausted, .rolloutFailed, .disruptionBudget, .conflict: .conflict
        default: .internalError
        }
        return AgentError(code, error.message, cause: error)
    }

    public static func from(_ error: StoreError) -> AgentError {
        AgentError(.internalError, "the agent's Store failed: \(error.message)", cause: error)
    }
}
