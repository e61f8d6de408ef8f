/// Why an aicore-node operation failed, in every module above the OS layer: a stable `code`,
/// one `message` line that says what to do next, the error underneath (`cause`), and the facts
/// a caller may act on (`context`, e.g. the HTTP status of an agent's answer) or show one per
/// line (`details`, e.g. a stack file's located errors).
///
/// One type rather than one per module, so an error crosses the Store, the controller, the
/// supervisor and the API unchanged: nothing re-wraps it to change its type, and the server maps
/// `code` to an HTTP status in one table (`AICoreError+Problem` in AICoreServer). OS-level
/// failures stay `SystemError` (AICoreOS) and arrive here as a `cause`.
public struct AICoreError: Error, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String
    public var cause: (any Error)?
    public var context: [String: String]
    public var details: [String]

    public init(code: Code, message: String, cause: (any Error)? = nil, context: [String: String] = [:], details: [String] = []) {
        self.code = code
        self.message = message
        self.cause = cause
        self.context = context
        self.details = details
    }

    public init(_ code: Code, _ message: String, details: [String] = [], cause: (any Error)? = nil, context: [String: String] = [:]) {
        self.init(code: code, message: message, cause: cause, context: context, details: details)
    }

    public var description: String { message }

    /// The same error, its message prefixed with where it happened or where the bad value came from.
    public func prefixed(_ prefix: String) -> AICoreError {
        var copy = self
        copy.message = "\(prefix): \(message)"
        return copy
    }
}

extension AICoreError {
    /// What kind of failure this is. A struct with a name rather than an enum, so codes can be
    /// added without breaking callers that switch over them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        // MARK: The request or the input

        /// The request is malformed (a bad query, an unknown field value).
        public static let badRequest = Code("badRequest")
        /// A spec (a stack file, an instance spec) is invalid; `details` locates each error.
        public static let invalidSpec = Code("invalidSpec")
        public static let unauthorized = Code("unauthorized")
        public static let notFound = Code("notFound")
        public static let methodNotAllowed = Code("methodNotAllowed")
        public static let payloadTooLarge = Code("payloadTooLarge")
        public static let unsupportedMediaType = Code("unsupportedMediaType")
        /// The request does not fit the current state (no rollout to pause, a name in use).
        public static let conflict = Code("conflict")

        // MARK: The Store

        /// A Store operation failed (the cause says how).
        public static let store = Code("store")
        /// The Store cannot be opened (missing directory, permissions).
        public static let cannotOpen = Code("cannotOpen")
        public static let corrupt = Code("corrupt")
        public static let readOnly = Code("readOnly")
        public static let diskFull = Code("diskFull")
        /// The Store was written by a newer aicore-node (unknown schema migrations).
        public static let tooNew = Code("tooNew")

        // MARK: The controller

        /// A pool (service VIPs) has nothing left.
        public static let exhausted = Code("exhausted")
        /// A required dependency ended in a state its gate can never accept.
        public static let dependencyFailed = Code("dependencyFailed")
        /// A bounded wait (a gate, a request to the agent) ran out of time.
        public static let timeout = Code("timeout")
        /// A named volume could not be created, owned or removed.
        public static let volume = Code("volume")
        /// An instance could not be started.
        public static let start = Code("start")
        /// A rollout failed (and was rolled back, paused or given up, as its policy says).
        public static let rolloutFailed = Code("rolloutFailed")
        /// Voluntary disruption would take a service below its `disruption_budget`.
        public static let disruptionBudget = Code("disruptionBudget")

        // MARK: The runtime

        /// The instance's process could not be started (Docker's exit status 125).
        public static let spawnFailed = Code("spawnFailed")
        /// The command exists but cannot be executed (126).
        public static let notExecutable = Code("notExecutable")
        /// The command does not exist (127).
        public static let commandNotFound = Code("commandNotFound")
        /// A cgroup could not be made, limited, read or removed.
        public static let cgroupFailed = Code("cgroupFailed")
        /// An instance's state on disk cannot be read.
        public static let stateCorrupt = Code("stateCorrupt")
        /// A system call failed; the cause is the `SystemError`.
        public static let systemCall = Code("systemCall")

        // MARK: The proxy

        /// One or more listeners could not bind; `details` names each.
        public static let listenFailed = Code("listenFailed")
        /// Two routes with one name, or one address claimed by two routes; `details` names each.
        public static let invalidRoutes = Code("invalidRoutes")
        /// The component was shut down and serves nothing any more.
        public static let shutDown = Code("shutDown")
        /// The event loop group is not one NIOPosix bootstraps can use (e.g. an EmbeddedEventLoop).
        public static let unsupportedEventLoopGroup = Code("unsupportedEventLoopGroup")

        // MARK: Images

        /// An image reference (`redis:7`, `host:5000/app@sha256:…`) does not parse.
        public static let invalidReference = Code("invalidReference")
        /// A digest string is not `algorithm:hex` of a supported algorithm and length.
        public static let invalidDigest = Code("invalidDigest")
        /// Content did not hash to the digest it was fetched or recorded under; nothing was stored.
        public static let digestMismatch = Code("digestMismatch")
        /// A layer tried to write outside its directory, or holds an entry that cannot be applied
        /// safely; `context["layer"]` and `context["entry"]` name it.
        public static let unsafeLayer = Code("unsafeLayer")
        /// A manifest, index or config is malformed, too large, or of a kind this node refuses
        /// (schema1, encrypted layers, no matching platform).
        public static let invalidImage = Code("invalidImage")
        /// A registry answered with an error (`context["status"]` holds the HTTP status).
        public static let registry = Code("registry")
        /// A registry refused the credentials, or asked for credentials none were found for.
        public static let registryAuth = Code("registryAuth")
        /// A registry throttled the request (HTTP 429); `context["retryAfter"]` when it said.
        public static let rateLimited = Code("rateLimited")
        /// An image build failed: a step of the Dockerfile, or the builder itself;
        /// `context["step"]` names the last step buildah started, when there was one.
        public static let buildFailed = Code("buildFailed")

        // MARK: Autoscaling (a replica recommendation that cannot be computed)

        /// The service has no replicas to measure.
        public static let noReplicas = Code("noReplicas")
        /// The metric source gave no samples at all.
        public static let noMetrics = Code("noMetrics")
        /// Every sample belonged to a replica that is unready, failed or being removed.
        public static let noMetricsForTargetedReplicas = Code("noMetricsForTargetedReplicas")
        /// A replica has no reservation for the resource, so its utilization is undefined.
        public static let missingRequest = Code("missingRequest")
        /// No sample belongs to a replica whose reservation is known.
        public static let noMetricsMatchedKnownReplicas = Code("noMetricsMatchedKnownReplicas")
        /// A computed utilization does not fit the integer range it is reported in.
        public static let valueOutOfRange = Code("valueOutOfRange")
        /// A metric's target is zero or negative.
        public static let invalidTarget = Code("invalidTarget")
        /// No metric could be evaluated, or one that could not would let the service scale down.
        public static let invalidMetrics = Code("invalidMetrics")

        // MARK: The agent and its clients

        /// An address text could not be parsed.
        public static let invalidAddress = Code("invalidAddress")
        /// A request could not be sent as given (bad path, header or token).
        public static let invalidRequest = Code("invalidRequest")
        /// Nothing accepted the connection.
        public static let unreachable = Code("unreachable")
        /// The answer was not valid HTTP, ended early, or its body did not decode.
        public static let protocolViolation = Code("protocolViolation")
        /// The agent answered with a status outside 2xx; `context["status"]` holds it.
        public static let http = Code("http")
        /// The calling task was cancelled.
        public static let cancelled = Code("cancelled")
        /// The agent cannot serve the request right now (starting, shutting down).
        public static let unavailable = Code("unavailable")
        /// Anything else: a bug or an unexpected failure inside the agent.
        public static let internalError = Code("internalError")
    }
}
