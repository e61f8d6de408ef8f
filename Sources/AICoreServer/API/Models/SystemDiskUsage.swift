import AICoreImages

/// What the node's stores take on disk (`GET /v1/system/df`, `image df`).
public struct SystemDiskUsage: Codable, Sendable, Equatable {
    public var images: ImageDiskUsage

    public init(images: ImageDiskUsage) {
        self.images = images
    }
}
