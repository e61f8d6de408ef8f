/// A stack on the node: its revision, its last operation and its services.
public struct StackStatus: Codable, Sendable, Equatable {
    public struct Operation: Codable, Sendable, Equatable {
        /// `applying|done|failed|cancelled`.
        public var phase: String
        public var message: String?
        public init(phase: String, message: String?) {
            self.phase = phase
            self.message = message
        }
    }

    public var name: String
    public var revision: Int
    public var updatedAt: String?
    public var operation: Operation?
    public var services: [ServiceStatus]
    /// The last operation is done and every service converged.
    public var converged: Bool
    /// The stack files it was last applied from (absolute paths); nil when the agent does not
    /// know them (applied before the agent restarted).
    public var configFiles: [String]?

    public init(name: String, revision: Int, updatedAt: String?, operation: Operation?, services: [ServiceStatus], converged: Bool,
                configFiles: [String]? = nil) {
        self.configFiles = configFiles
        self.name = name
        self.revision = revision
        self.updatedAt = updatedAt
        self.operation = operation
        self.services = services
        self.converged = converged
    }
}
