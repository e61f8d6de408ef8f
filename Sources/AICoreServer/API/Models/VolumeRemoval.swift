/// What `DELETE /v1/volumes/{name}` and `POST /v1/volumes/prune` removed.
public struct VolumeRemoval: Codable, Sendable, Equatable {
    /// Volume names, in the order removed.
    public var removed: [String]
    /// What the removed directories took on disk.
    public var bytesFreed: UInt64

    public init(removed: [String] = [], bytesFreed: UInt64 = 0) {
        self.removed = removed
        self.bytesFreed = bytesFreed
    }
}
