/// Why the Store failed, with what was attempted and what to do about it. Opening errors are
/// final: the agent must not run on an empty state while workloads from the last one still run.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case cannotOpen, corrupt, readOnly, diskFull, tooNew, failed }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let cannotOpen = Code(.cannotOpen)
        public static let corrupt = Code(.corrupt)
        public static let readOnly = Code(.readOnly)
        public static let diskFull = Code(.diskFull)
        /// The file was written by a newer aicore-node (unknown schema migrations).
        public static let tooNew = Code(.tooNew)
        public static let failed = Code(.failed)
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
