/// A named volume on the node: a directory under the state dir's `volumes/`, written when the
/// controller creates the directory (or adopts one an older agent made) and deleted with it.
/// It outlives its stack: after a plain `down` the record is what `down -v`, `volume ls` and
/// `volume prune` find the volume by.
public struct VolumeRecord: Sendable, Equatable, Codable {
    /// `<stack>_<key>`, as Compose names it: the directory's name.
    public var name: String
    public var stack: String
    /// The key under the stack's `volumes:`.
    public var key: String
    public var path: String
    public var uid: UInt32
    public var gid: UInt32
    /// The volume's `labels:` from the stack file.
    public var labels: [String: String]
    /// RFC 3339 UTC; nil for a directory the agent adopted (made by an agent that did not
    /// record volumes, so when it was made is not known).
    public var createdAt: String?

    public init(name: String, stack: String, key: String, path: String, uid: UInt32, gid: UInt32,
                labels: [String: String] = [:], createdAt: String?) {
        self.name = name
        self.stack = stack
        self.key = key
        self.path = path
        self.uid = uid
        self.gid = gid
        self.labels = labels
        self.createdAt = createdAt
    }
}
