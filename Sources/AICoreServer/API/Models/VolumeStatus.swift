/// A named volume on the node (`GET /v1/volumes`, `volume ls`, `volume inspect`).
public struct VolumeStatus: Codable, Sendable, Equatable {
    /// `<stack>_<key>`: the directory's name.
    public var name: String
    /// The stack it belongs to; nil for a directory under `volumes/` with no record (an
    /// anonymous volume, or one an older agent made for a stack that has since gone).
    public var stack: String?
    /// The key under the stack's `volumes:`; nil with `stack`.
    public var key: String?
    public var path: String
    public var uid: UInt32
    public var gid: UInt32
    public var labels: [String: String]
    /// RFC 3339 UTC; nil when the agent did not make it (adopted, or without a record).
    public var createdAt: String?
    /// The stack still on the node that mounts it (or, without a record, whose name it starts
    /// with): it cannot be removed until that stack is down.
    public var inUseBy: String?

    public init(name: String, stack: String?, key: String?, path: String, uid: UInt32, gid: UInt32,
                labels: [String: String] = [:], createdAt: String?, inUseBy: String?) {
        self.name = name
        self.stack = stack
        self.key = key
        self.path = path
        self.uid = uid
        self.gid = gid
        self.labels = labels
        self.createdAt = createdAt
        self.inUseBy = inUseBy
    }
}
