import AICoreStore

/// Why the controller could not do what was asked, and what to do about it. The code can grow
/// without breaking callers (a struct wrapping a private enum).
public struct ControllerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case store, exhausted, dependencyFailed, timeout, volume, start, notFound, rolloutFailed, disruptionBudget, conflict }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The Store failed (the cause says how).
        public static let store = Code(.store)
        /// A pool (VIPs) has nothing left.
        public static let exhausted = Code(.exhausted)
        /// A required dependency ended in a state its gate can never accept.
        public static let dependencyFailed = Code(.dependencyFailed)
        /// A gate did not open in time.
        public static let timeout = Code(.timeout)
        /// A named volume could not be created, owned or removed.
        public static let volume = Code(.volume)
        /// An instance could not be started.
        public static let start = Code(.start)
        public static let notFound = Code(.notFound)
        /// A rollout failed (and was rolled back, paused or given up, as its policy says).
        public static let rolloutFailed = Code(.rolloutFailed)
        /// Voluntary disruption would take a service below its `disruption_budget`.
        public static let disruptionBudget = Code(.disruptionBudget)
        /// The request does not fit the current state (no rollout to pause, no revision to undo to).
        public static let conflict = Code(.conflict)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    public let cause: (any Error)?

    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}

/// Runs a Store call, turning its error into a `ControllerError` that keeps the Store's message.
func storeCall<T: Sendable>(isolation: isolated (any Actor)? = #isolation,
                            _ body: () async throws(StoreError) -> T) async throws(ControllerError) -> T {
    do {
        return try await body()
    } catch {
        throw ControllerError(code: .store, message: error.message, cause: error)
    }
}
