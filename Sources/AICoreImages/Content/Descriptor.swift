/// A reference to content by digest, size and media type (OCI image spec, "Descriptor").
public struct Descriptor: Hashable, Sendable, Codable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    /// Set on index entries: which platform the manifest is for.
    public var platform: Platform?
    /// Foreign layers: where the blob may be fetched from instead of the registry.
    public var urls: [String]?
    public var annotations: [String: String]?
    /// An `artifactType`, when an index entry is not an image (attestations, signatures).
    public var artifactType: String?

    public init(mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil, urls: [String]? = nil, annotations: [String: String]? = nil, artifactType: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.urls = urls
        self.annotations = annotations
        self.artifactType = artifactType
    }
}
