import AICoreStore

/// Where a service's rollout stands (`GET …/services/{service}/rollout`, `rollout status`).
public struct RolloutStatus: Codable, Sendable, Equatable {
    /// `progressing`, `paused`, `complete`, `rolling_back`, `rolled_back` or `failed`.
    public var state: String
    public var stack: String
    public var service: String
    /// The service revision being rolled out (or last rolled out), and the one it started from.
    public var revision: Int
    public var fromRevision: Int
    public var specHash: String
    /// Why it failed, paused or rolled back.
    public var reason: String?
    /// Desired replicas; replicas of the revision; of those, ready; replicas of other revisions.
    public var replicas: Int
    public var updated: Int
    public var ready: Int
    public var old: Int
    public var startedAt: String?
    public var updatedAt: String?

    public init(state: String, stack: String, service: String, revision: Int, fromRevision: Int, specHash: String, reason: String?,
                replicas: Int, updated: Int, ready: Int, old: Int, startedAt: String?, updatedAt: String?) {
        self.state = state
        self.stack = stack
        self.service = service
        self.revision = revision
        self.fromRevision = fromRevision
        self.specHash = specHash
        self.reason = reason
        self.replicas = replicas
        self.updated = updated
        self.ready = ready
        self.old = old
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }

    /// Whether the rollout has ended, one way or the other.
    public var isFinished: Bool { ["complete", "rolled_back", "failed"].contains(state) }
}

/// One revision of a service (`rollout history`).
public struct ServiceRevisionMessage: Codable, Sendable, Equatable {
    public var revision: Int
    public var specHash: String
    public var stackRevision: Int
    public var cause: String
    public var createdAt: String
    /// The revision the service's desired state is.
    public var current: Bool

    public init(_ record: ServiceRevisionRecord, current: Bool) {
        revision = record.revision
        specHash = record.specHash
        stackRevision = record.stackRevision
        cause = record.cause
        createdAt = record.createdAt
        self.current = current
    }
}

/// `POST …/rollout/undo`: the revision to go back to; the one before the current when absent.
public struct RolloutUndoRequest: Codable, Sendable, Equatable {
    public var toRevision: Int?
    public init(toRevision: Int? = nil) { self.toRevision = toRevision }
}

/// `PATCH /v1/stacks/{stack}/services/{service}`: a change to one service's spec, rolled out
/// like any other (`aicore-node set env|image|command`, `rollout restart`).
public struct ServiceUpdateRequest: Codable, Sendable, Equatable {
    /// Variables to set; a null value removes the variable.
    public var environment: [String: String?]?
    public var image: String?
    /// The new command (argv); its first element names the program.
    public var command: [String]?
    /// Roll every replica even though nothing else changes (`rollout restart`).
    public var restart: Bool?

    public init(environment: [String: String?]? = nil, image: String? = nil, command: [String]? = nil, restart: Bool? = nil) {
        self.environment = environment
        self.image = image
        self.command = command
        self.restart = restart
    }
}
