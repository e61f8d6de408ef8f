/// One line of a build's NDJSON stream (`POST /v1/stacks/{stack}/build`): a line buildah wrote
/// while building a service's image, then that service's image once stored; the stream ends
/// with the problem that stopped it, if one did (the status line was sent before it failed).
public struct BuildMessage: Codable, Sendable, Equatable {
    /// The service being built.
    public var service: String?
    /// One line of buildah's output (`STEP 2/4: RUN make`).
    public var line: String?
    /// The service's image, built and stored under its name (and its `tags`).
    public var image: ImageStatus?
    public var error: ProblemDocument?

    public init(service: String? = nil, line: String? = nil, image: ImageStatus? = nil, error: ProblemDocument? = nil) {
        self.service = service
        self.line = line
        self.image = image
        self.error = error
    }
}
