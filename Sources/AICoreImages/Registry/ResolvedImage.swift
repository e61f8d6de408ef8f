/// What a reference resolved to for one platform: the content it names (an index or a
/// manifest), and the image manifest chosen for the platform.
public struct ResolvedImage: Sendable, Hashable {
    /// What the tag or digest names: an index (multi-platform) or an image manifest.
    public var root: Descriptor
    /// The image manifest to pull: `root` itself when it is a manifest.
    public var manifest: Descriptor
    /// The index's bytes, verified against `root.digest`, when `root` is an index.
    public var index: [UInt8]?

    public init(root: Descriptor, manifest: Descriptor, index: [UInt8]? = nil) {
        self.root = root
        self.manifest = manifest
        self.index = index
    }
}
