/// One revision of a service: a distinct spec (by hash) it was rolled out to. Kept, newest
/// last, up to the service's `revision_history`, for `rollout history` and `rollout undo`.
public struct ServiceRevisionRecord: Sendable, Equatable, Codable {
    public var stack: String
    public var service: String
    /// 1, 2, …: rolling back to an old spec gives it the next number again, as Kubernetes does.
    public var revision: Int
    public var specHash: String
    /// The stack revision whose spec holds this service spec: where `undo` reads it back from.
    public var stackRevision: Int
    /// Why it was made (`apply`, `set image api=…`, `rollback from 3`).
    public var cause: String
    public var createdAt: String

    public init(stack: String, service: String, revision: Int, specHash: String, stackRevision: Int, cause: String, createdAt: String = "") {
        self.stack = stack
        self.service = service
        self.revision = revision
        self.specHash = specHash
        self.stackRevision = stackRevision
        self.cause = cause
        self.createdAt = createdAt
    }
}

/// A service's last rollout and where it stands: what `rollout status` shows and what an agent
/// that restarts mid-rollout resumes from.
public struct RolloutRecord: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Replacing replicas.
        case progressing
        /// Stopped by `rollout pause` or by `failure_action: pause`: nothing is started or
        /// stopped until `rollout resume` or `rollout undo`.
        case paused
        /// Every replica runs the new revision, ready, past `monitor`.
        case complete
        /// Going back to `toHash`, the last good revision, after a failure.
        case rollingBack = "rolling_back"
        /// The rollback is complete: the service runs its previous revision.
        case rolledBack = "rolled_back"
        /// Failed with `failure_action: continue`/`pause` not applicable, or its rollback failed.
        case failed
    }

    public var stack: String
    public var service: String
    public var state: State
    /// The revision rolled out to, and its spec hash.
    public var revision: Int
    public var toHash: String
    /// The revision the rollout started from (0: none).
    public var fromRevision: Int
    public var fromHash: String?
    /// Why it failed, paused or rolled back; nil while all is well.
    public var reason: String?
    public var startedAt: String
    public var updatedAt: String
    /// Where a failure rolls back to: the newest revision of the service known to have been
    /// available (its replicas ready). Nil when none was — a first revision that never came
    /// up, or a rollback that failed itself — and then a failed rollout stays failed, as
    /// Kubernetes never goes back to a ReplicaSet that did not become available.
    public var rollbackHash: String?

    public init(stack: String, service: String, state: State, revision: Int, toHash: String, fromRevision: Int, fromHash: String?,
                reason: String? = nil, startedAt: String = "", updatedAt: String = "", rollbackHash: String? = nil) {
        self.rollbackHash = rollbackHash
        self.stack = stack
        self.service = service
        self.state = state
        self.revision = revision
        self.toHash = toHash
        self.fromRevision = fromRevision
        self.fromHash = fromHash
        self.reason = reason
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }

    /// Whether the rollout still has work to do (an agent restarting goes on with it).
    public var isActive: Bool { state == .progressing || state == .rollingBack || state == .paused }
}
