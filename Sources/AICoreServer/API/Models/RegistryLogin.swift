/// `POST /v1/registries/login`: whose credentials, for which registry (default Docker Hub).
/// The password is checked against the registry, stored, and never sent back or logged.
public struct RegistryLoginRequest: Codable, Sendable, Equatable, CustomStringConvertible {
    public var registry: String?
    public var username: String
    public var password: String

    public init(registry: String? = nil, username: String, password: String) {
        self.registry = registry
        self.username = username
        self.password = password
    }

    /// Without the password: a request that ends up in a log does not leak it.
    public var description: String { "RegistryLoginRequest(registry: \(registry ?? "docker.io"), username: \(username), password: ****)" }
}

/// What a login stored: the registry as normalised (`docker.io`, `host:port`) and the user.
public struct RegistryLogin: Codable, Sendable, Equatable {
    public var registry: String
    public var username: String
    /// `Login Succeeded`, Docker's words.
    public var status: String

    public init(registry: String, username: String, status: String = "Login Succeeded") {
        self.registry = registry
        self.username = username
        self.status = status
    }
}
