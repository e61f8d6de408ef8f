/// `GET /v1/version`: the agent's release and the API version it serves.
public struct VersionMessage: Codable, Sendable, Equatable {
    public var version: String
    public var apiVersion: String

    public init(version: String, apiVersion: String) {
        self.version = version
        self.apiVersion = apiVersion
    }
}

/// aicore-node's release, the same for the CLI and the agent it is built with.
public enum AICoreVersion {
    public static let current = "0.1.0"
}
