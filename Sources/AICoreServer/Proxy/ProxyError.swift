/// What went wrong in the proxy, with the address or route concerned. `code` can grow without
/// breaking callers.
public struct ProxyError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case listenFailed = "listen failed"
            case invalidRoutes = "invalid routes"
            case shutDown = "shut down"
            case unsupportedEventLoopGroup = "unsupported event loop group"
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// One or more listeners could not bind; `failures` names each.
        public static let listenFailed = Code(.listenFailed)
        /// Two routes with one name, or one address claimed by two routes; `failures` names each.
        public static let invalidRoutes = Code(.invalidRoutes)
        /// The proxy was shut down; it serves nothing any more.
        public static let shutDown = Code(.shutDown)
        /// The event loop group is not one NIOPosix bootstraps can use (e.g. an EmbeddedEventLoop).
        public static let unsupportedEventLoopGroup = Code(.unsupportedEventLoopGroup)

        public var description: String { value.rawValue }
    }

    /// One listener or route the call could not set up.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var route: String
        /// The address concerned, when there is one.
        public var address: ProxyAddress?
        /// E.g. `cannot listen on 0.0.0.0:3000: Address already in use`.
        public var message: String
        public var cause: (any Error)?

        public init(route: String, address: ProxyAddress?, message: String, cause: (any Error)? = nil) {
            self.route = route
            self.address = address
            self.message = message
            self.cause = cause
        }

        public var description: String { message }
    }

    public var code: Code
    /// Every failure joined with `; `.
    public var message: String
    /// Each failure in the order of the routes given.
    public var failures: [Failure]

    public init(code: Code, message: String, failures: [Failure] = []) {
        self.code = code
        self.message = message
        self.failures = failures
    }

    init(code: Code, failures: [Failure]) {
        self.init(code: code, message: failures.map(\.message).joined(separator: "; "), failures: failures)
    }

    /// The addresses that could not be set up.
    public var addresses: [ProxyAddress] { failures.compactMap(\.address) }

    public var description: String { message }
}
