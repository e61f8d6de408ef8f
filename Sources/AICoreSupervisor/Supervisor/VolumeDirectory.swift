/// A directory under the agent's `volumes/`, as found on disk: a named volume (recorded or
/// not) or an anonymous one.
public struct VolumeDirectory: Sendable, Hashable {
    /// The directory's name: `<stack>_<key>` for a named volume.
    public var name: String
    public var path: String
    public var uid: UInt32
    public var gid: UInt32

    public init(name: String, path: String, uid: UInt32, gid: UInt32) {
        self.name = name
        self.path = path
        self.uid = uid
        self.gid = gid
    }
}
