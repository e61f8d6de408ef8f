/// A top-level secret or config: where its content comes from.
public struct FileObjectDefinition: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// Absolute path of a host file, read when an instance starts.
        case file(String)
        /// The name of an environment variable, read when an instance starts (docs/spec-reference.md).
        case environment(String)
        /// Inline content (configs only), interpolated.
        case content(String)
    }

    public var key: String
    public var name: String
    public var source: Source

    public init(key: String, name: String, source: Source) {
        self.key = key
        self.name = name
        self.source = source
    }
}
