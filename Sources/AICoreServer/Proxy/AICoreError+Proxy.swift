import AICoreErrors

/// One listener or route the proxy could not set up.
public struct ProxyFailure: Error, Sendable, CustomStringConvertible {
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

/// Every listener or route one call could not set up, in the order of the routes given: the
/// cause of a `.listenFailed` or `.invalidRoutes` error.
public struct ProxyFailures: Error, Sendable, CustomStringConvertible {
    public var failures: [ProxyFailure]
    public var description: String { failures.map(\.message).joined(separator: "; ") }
}

extension AICoreError {
    /// `.listenFailed` or `.invalidRoutes`: every failure joined with `; `, one detail each.
    init(code: Code, failures: [ProxyFailure]) {
        self.init(code: code, message: failures.map(\.message).joined(separator: "; "),
                  cause: ProxyFailures(failures: failures), details: failures.map(\.message))
    }

    /// The addresses the proxy could not set up.
    public var addresses: [ProxyAddress] { (cause as? ProxyFailures)?.failures.compactMap(\.address) ?? [] }
}
