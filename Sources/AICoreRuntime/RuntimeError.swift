import AICoreOS

/// Domain-level runtime failure: a stable code, a message that says what to do next, and the
/// OS-level cause.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case invalidSpec, spawnFailed, cgroupFailed, notFound, stateCorrupt, systemCall }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let invalidSpec = Code(.invalidSpec)
        public static let spawnFailed = Code(.spawnFailed)
        public static let cgroupFailed = Code(.cgroupFailed)
        public static let notFound = Code(.notFound)
        public static let stateCorrupt = Code(.stateCorrupt)
        public static let systemCall = Code(.systemCall)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    public let cause: (any Error)?
    /// For spawn failures: docker's 125 (runtime), 126 (not executable), 127 (not found).
    public let exitCode: Int32

    public init(code: Code, message: String, cause: (any Error)? = nil, exitCode: Int32 = 125) {
        self.code = code
        self.message = message
        self.cause = cause
        self.exitCode = exitCode
    }

    public var description: String { message }
}
