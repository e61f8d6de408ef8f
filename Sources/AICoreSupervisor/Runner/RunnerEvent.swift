import AICoreStore

/// One entry of an instance's history.
public struct RunnerEvent<Instant: InstantProtocol & Sendable>: Sendable {
    /// On the runner's clock: back-off curves are checked against these, not wall time.
    public var instant: Instant
    /// RFC 3339 UTC.
    public var time: String
    public var instance: String
    /// The state entered; for facts that change no state (a probe result, an escalation), the current one.
    public var state: InstanceState
    /// `started`, `exited`, `backoff`, `probe`, … (the state's name for transitions).
    public var type: String
    public var reason: String
    /// The init's pid for `started`/`adopted`, else nil.
    public var pid: Int32?
}

/// Names one instance.
public struct InstanceIdentity: Sendable, Hashable {
    public var id: String
    public var stack: String
    public var service: String
    public var replica: Int

    public init(id: String, stack: String, service: String, replica: Int) {
        self.id = id
        self.stack = stack
        self.service = service
        self.replica = replica
    }

    /// `<stack>-<service>-<replica>`, Compose's container naming.
    public init(stack: String, service: String, replica: Int) {
        self.init(id: "\(stack)-\(service)-\(replica)", stack: stack, service: service, replica: replica)
    }
}
