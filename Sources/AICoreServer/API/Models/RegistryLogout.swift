/// `POST /v1/registries/logout`: which registry to forget (default Docker Hub).
public struct RegistryLogoutRequest: Codable, Sendable, Equatable {
    public var registry: String?

    public init(registry: String? = nil) {
        self.registry = registry
    }
}

/// What a logout did: whether the agent's own file held credentials for the registry.
public struct RegistryLogout: Codable, Sendable, Equatable {
    public var registry: String
    public var removed: Bool

    public init(registry: String, removed: Bool) {
        self.registry = registry
        self.removed = removed
    }
}
