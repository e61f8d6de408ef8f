import AICoreImages

/// `POST /v1/images/pull`: which image, for which platform (default: the node's).
public struct PullRequest: Codable, Sendable, Equatable {
    public var reference: String
    public var platform: String?

    public init(reference: String, platform: String? = nil) {
        self.reference = reference
        self.platform = platform
    }
}

/// One line of a pull's NDJSON stream: a layer's progress, then the image pulled, or the
/// problem that ended the pull (the status line was sent before it failed).
public struct PullMessage: Codable, Sendable, Equatable {
    public var progress: PullProgress?
    public var image: ImageStatus?
    public var error: ProblemDocument?

    public init(progress: PullProgress? = nil, image: ImageStatus? = nil, error: ProblemDocument? = nil) {
        self.progress = progress
        self.image = image
        self.error = error
    }
}
