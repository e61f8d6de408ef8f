/// A top-level secret or config: where its content comes from.
public struct FileObjectDefinition: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// Absolute path of a host file.
        case file(String)
        /// An environment variable of the agent.
        case environment(String)
        /// Inline content (configs only).
        case content(String)
        case external
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
