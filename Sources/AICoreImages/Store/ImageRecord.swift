import Foundation

/// What the node knows of one image name: the manifest it resolved to when it was last pulled
/// or loaded, and what is needed to run it without asking the registry again.
public struct ImageRecord: Sendable, Codable, Equatable {
    /// The normalised reference: `docker.io/library/redis:7`, or `name@sha256:…` when pulled by digest.
    public var name: String
    /// What the name resolved to: an index (several platforms) or a manifest.
    public var target: Descriptor
    /// The manifest for this node's platform (the target itself when it is a manifest).
    public var manifest: Descriptor
    /// The image's config: its digest is the image ID that `image ls` shows.
    public var config: Descriptor
    public var platform: Platform
    /// The layers as stored (compressed), bottom first.
    public var layers: [Descriptor]
    /// The digests of the uncompressed layers (the config's `rootfs.diff_ids`), bottom first.
    public var diffIDs: [Digest]
    /// When the record last switched to a new manifest, or was confirmed by a pull.
    public var updated: Date
    /// `created` from the config, as the image says.
    public var created: String?

    public var id: Digest { config.digest }
    public var chainIDs: [Digest] { ChainID.chain(diffIDs) }
    /// The compressed size of the layers and config, as a registry would transfer them.
    public var size: Int64 { config.size + layers.reduce(0) { $0 + $1.size } }
}
