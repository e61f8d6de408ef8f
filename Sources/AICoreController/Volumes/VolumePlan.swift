/// A named volume on the node: a directory under the state dir's `volumes/`, owned by the
/// user of the first service (in start order) that mounts it.
public struct VolumePlan: Sendable, Hashable, CustomStringConvertible {
    /// The key under the stack's `volumes:`.
    public var name: String
    public var path: String
    public var uid: UInt32
    public var gid: UInt32
    /// The volume's `labels:`, kept in its record.
    public var labels: [String: String]

    public init(name: String, path: String, uid: UInt32, gid: UInt32, labels: [String: String] = [:]) {
        self.name = name
        self.path = path
        self.uid = uid
        self.gid = gid
        self.labels = labels
    }

    public var description: String { "volume \(name) at \(path) owned by \(uid):\(gid)" }
}
