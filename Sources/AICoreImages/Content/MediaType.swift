/// The media types this node reads (OCI image spec and Docker's schema2), and how each is handled.
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociForeignLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    public static let ociForeignLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    public static let ociForeignLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// Docker's schema1, signed or not: refused (deprecated, no content-addressed config).
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// What a registry is asked for when resolving a tag: every manifest kind we can read.
    public static let acceptedManifests = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }
    public static func isManifest(_ type: String) -> Bool { type == ociManifest || type == dockerManifest }
    public static func isConfig(_ type: String) -> Bool { type == ociConfig || type == dockerConfig }
    public static func isSchema1(_ type: String) -> Bool { type == dockerSchema1 || type == dockerSchema1Signed }

    /// How a layer's bytes are compressed, or nil for a media type that is not a layer we apply
    /// (an unknown type, or an `+encrypted` one, which is refused rather than guessed at).
    public static func layerCompression(_ type: String) -> LayerCompression? {
        switch type {
        case ociLayer, ociForeignLayer: LayerCompression.none
        case ociLayerGzip, dockerLayerGzip, ociForeignLayerGzip, dockerForeignLayerGzip: .gzip
        case ociLayerZstd, ociForeignLayerZstd: .zstd
        default: nil
        }
    }

    /// Foreign (non-distributable) layers are fetched from their `urls`, never with credentials
    /// (CVE-2020-15157).
    public static func isForeignLayer(_ type: String) -> Bool {
        type == ociForeignLayer || type == ociForeignLayerGzip || type == ociForeignLayerZstd || type == dockerForeignLayerGzip
    }
}

public enum LayerCompression: String, Sendable, Codable {
    case none, gzip, zstd
}
