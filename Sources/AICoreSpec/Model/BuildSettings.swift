/// How a service's image is built on the node (Compose's `build:`), normalized: the context an
/// absolute directory, every argument's value resolved.
public struct BuildSettings: Sendable, Hashable {
    /// The build context, an absolute directory on the node.
    public var context: String
    /// The Dockerfile, absolute; nil with `dockerfileInline`, or for the context's own
    /// `Dockerfile` (or `Containerfile`), which the builder finds by itself.
    public var dockerfile: String?
    /// The Dockerfile's text, written in the stack file (`dockerfile_inline`).
    public var dockerfileInline: String?
    /// The stage to build (`target`); nil builds the last one.
    public var target: String?
    /// `ARG` values (`args`); an argument written without a value takes the interpolation
    /// environment's, or is left out when that has none (as Compose does).
    public var args: [String: String] = [:]
    /// Labels added to the built image.
    public var labels: [String: String] = [:]
    /// More names the built image is stored under, besides the service's `image`.
    public var tags: [String] = []
    /// Build every step again instead of reusing the builder's cache.
    public var noCache = false
    /// Pull the base images again even when the builder has them.
    public var pull = false
    /// The platforms to build for; only the node's own can be built (no emulation).
    public var platforms: [String] = []
    /// Whether the service's `image` was made up from the stack and service names (the file
    /// writes no `image`): it is not printed, so that a reloaded printout makes it again.
    public var imageIsGenerated = false

    public init(context: String) {
        self.context = context
    }

    /// The name Compose gives the image of a service with `build` and no `image`:
    /// `<project>-<service>`, lowercase, as a reference allows it.
    public static func generatedImageName(stack: String, service: String) -> String {
        let allowed = "\(stack)-\(service)".lowercased().map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character)) ? character : "-"
        }
        return String(allowed) + ":latest"
    }
}
