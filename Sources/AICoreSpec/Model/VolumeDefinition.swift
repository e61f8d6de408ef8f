/// A top-level named volume.
public struct VolumeDefinition: Sendable, Hashable {
    /// The key under `volumes:`.
    public var key: String
    /// The actual name (`name:`), defaulting to `<stack>_<key>` as Compose does.
    public var name: String
    public var external: Bool
    public var labels: [String: String]

    public init(key: String, name: String, external: Bool = false, labels: [String: String] = [:]) {
        self.key = key
        self.name = name
        self.external = external
        self.labels = labels
    }
}
