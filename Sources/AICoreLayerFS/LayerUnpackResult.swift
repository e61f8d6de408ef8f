/// What unpacking a layer found.
public struct LayerUnpackResult: Sendable, Equatable {
    /// SHA-256 of the decompressed tar stream, 64 lowercase hex digits: "sha256:" + this is the
    /// layer's OCI diff ID, to be checked against the image config's `rootfs.diff_ids`.
    public let uncompressedSHA256: String
    /// The entries the archive holds (whiteouts included).
    public let entries: Int
    /// Length of the decompressed tar stream.
    public let uncompressedBytes: UInt64
    /// Extended attributes left out by policy (`trusted.*`, LSM labels, ACLs, any on a symlink).
    public let skippedExtendedAttributes: Int
    /// Entries left out: aufs's own `.wh..wh.*` metadata, and types no filesystem takes from a
    /// tar (sockets).
    public let skippedEntries: Int
    /// The layer makes its root opaque (`./.wh..wh..opq`): it replaces everything below it. The
    /// flag is written, but overlayfs ignores it on a lowerdir's root, so the caller stacks no
    /// lower layer under this one.
    public let hidesLowerLayers: Bool

    public init(uncompressedSHA256: String, entries: Int, uncompressedBytes: UInt64,
                skippedExtendedAttributes: Int = 0, skippedEntries: Int = 0, hidesLowerLayers: Bool = false) {
        self.uncompressedSHA256 = uncompressedSHA256
        self.entries = entries
        self.uncompressedBytes = uncompressedBytes
        self.skippedExtendedAttributes = skippedExtendedAttributes
        self.skippedEntries = skippedEntries
        self.hidesLowerLayers = hidesLowerLayers
    }

    /// "sha256:" + `uncompressedSHA256`.
    public var diffID: String { "sha256:" + uncompressedSHA256 }
}
