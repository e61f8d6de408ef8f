/// A YAML tree that remembers where each node came from.
///
/// Yams' own `Node` carries line and column but not the file; stacks merge nodes from several
/// files, so every node here carries its full `SourceLocation`. Anchors are already expanded
/// and merge keys (`<<`) already applied.
public struct YAMLNode: Sendable, Equatable {
    public struct Scalar: Sendable, Equatable {
        public var text: String
        /// Written without quotes; only plain scalars can be `null`, `true` or a number.
        public var isPlain: Bool

        public init(text: String, isPlain: Bool) {
            self.text = text
            self.isPlain = isPlain
        }

        /// YAML's null spellings, written plain (`key:` with nothing after it included).
        public var isNull: Bool {
            isPlain && ["", "~", "null", "Null", "NULL"].contains(text)
        }
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: YAMLNode

        public init(key: String, keyLocation: SourceLocation, value: YAMLNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public enum Value: Sendable, Equatable {
        case scalar(Scalar)
        case mapping([Entry])
        case sequence([YAMLNode])
    }

    /// Compose's merge tags: `!reset` drops the value (and what earlier files or an extended
    /// service set), `!override` replaces it instead of merging it.
    public enum Tag: Sendable, Equatable {
        case reset
        case override
    }

    public var value: Value
    public var location: SourceLocation
    /// The `!reset` or `!override` written on the node; resolved (removed) before decoding.
    public var tag: Tag?

    public init(_ value: Value, at location: SourceLocation, tag: Tag? = nil) {
        self.value = value
        self.location = location
        self.tag = tag
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = value { return scalar }
        return nil
    }

    public var entries: [Entry]? {
        if case .mapping(let entries) = value { return entries }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var isNull: Bool { scalar?.isNull ?? false }

    public subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key == key }?.value
    }

    /// A short description of the node for "found …" in messages.
    public var foundDescription: String {
        switch value {
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            return "\"\(scalar.text)\""
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        }
    }
}
