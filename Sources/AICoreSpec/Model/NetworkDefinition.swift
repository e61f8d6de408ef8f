/// A top-level network. Recorded and validated; instances use host networking with service VIPs for now.
public struct NetworkDefinition: Sendable, Hashable {
    public var key: String
    public var name: String
    public var driver: String?
    public var external: Bool
    public var `internal`: Bool
    public var labels: [String: String]

    public init(
        key: String, name: String, driver: String? = nil, external: Bool = false, internal: Bool = false,
        labels: [String: String] = [:]
    ) {
        self.key = key
        self.name = name
        self.driver = driver
        self.external = external
        self.internal = `internal`
        self.labels = labels
    }
}
