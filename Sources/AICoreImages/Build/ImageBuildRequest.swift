/// One image to build: what Compose's `build:` says, and the names the result is stored under.
public struct ImageBuildRequest: Sendable, Hashable {
    /// The names the built image gets in the node's store: the service's `image`, then `tags`.
    public var names: [ImageReference]
    /// The build context, an absolute directory on the node.
    public var context: String
    /// The Dockerfile, absolute; nil for the context's own `Dockerfile` or `Containerfile`.
    public var dockerfile: String?
    /// A Dockerfile's text, written to the build's own directory (`dockerfile_inline`).
    public var dockerfileInline: String?
    public var target: String?
    public var args: [String: String] = [:]
    public var labels: [String: String] = [:]
    /// Build every step again instead of reusing the builder's cache (`no_cache`, `build --no-cache`).
    public var noCache = false
    /// Pull base images even when the builder has them (`pull`, `build --pull`).
    public var pull = false
    /// `--platform`: only this node's own (the loader keeps no other).
    public var platform: String?

    public init(names: [ImageReference], context: String) {
        self.names = names
        self.context = context
    }
}
