/// What the node runs for a stack now, as the Store knows it: the input of planning.
public struct ActualState: Sendable, Hashable {
    public struct Instance: Sendable, Hashable {
        public var id: String
        public var service: String
        public var replica: Int
        /// Why it waits for room (`Insufficient cpu…`), nil once placed: a pending instance is
        /// named, but nothing runs and nothing is reserved.
        public var pendingReason: String?
        public var node: String
        /// The service spec hash it runs; nil when unknown (the service's recorded one then).
        public var specHash: String?

        public var isPending: Bool { pendingReason != nil }

        public init(id: String, service: String, replica: Int, pendingReason: String? = nil, node: String = "local",
                    specHash: String? = nil) {
            self.specHash = specHash
            self.id = id
            self.service = service
            self.replica = replica
            self.pendingReason = pendingReason
            self.node = node
        }
    }

    /// The spec hash each service's instances were started from.
    public var serviceHashes: [String: String]
    public var instances: [Instance]
    /// Paths of the named volume directories that exist.
    public var volumes: Set<String>
    /// The `user:` of each service that mounts a named volume, as the node resolves it: the
    /// owner of a volume the plan creates (no `user:` is root).
    public var users: [String: UserLookup]

    public init(serviceHashes: [String: String] = [:], instances: [Instance] = [], volumes: Set<String> = [],
                users: [String: UserLookup] = [:]) {
        self.serviceHashes = serviceHashes
        self.instances = instances
        self.volumes = volumes
        self.users = users
    }

    public static let empty = ActualState()

    func instances(of service: String) -> [Instance] {
        instances.filter { $0.service == service }.sorted { $0.replica < $1.replica }
    }
}

/// A service's `user:` as a node resolves it in its /etc/passwd and /etc/group.
public enum UserLookup: Sendable, Hashable {
    case found(uid: UInt32, gid: UInt32)
    /// Why it cannot be resolved (no such user, no such group).
    case failed(String)
}
