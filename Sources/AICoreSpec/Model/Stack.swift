/// A whole stack file (or several merged), normalized. Two loads of equivalent files compare equal.
public struct Stack: Sendable, Hashable {
    /// The project name: `name:`, `-p`, or the directory of the first file.
    public var name: String
    /// Services in name order, so output and plans are deterministic.
    public var services: [Service]
    public var volumes: [VolumeDefinition]
    public var networks: [NetworkDefinition]
    public var secrets: [FileObjectDefinition]
    public var configs: [FileObjectDefinition]
    /// Top-level `x-` keys, kept as written.
    public var extensions: [String: ConfigValue]

    public init(
        name: String, services: [Service] = [], volumes: [VolumeDefinition] = [], networks: [NetworkDefinition] = [],
        secrets: [FileObjectDefinition] = [], configs: [FileObjectDefinition] = [], extensions: [String: ConfigValue] = [:]
    ) {
        self.name = name
        self.services = services
        self.volumes = volumes
        self.networks = networks
        self.secrets = secrets
        self.configs = configs
        self.extensions = extensions
    }

    public func service(named name: String) -> Service? {
        services.first { $0.name == name }
    }
}
