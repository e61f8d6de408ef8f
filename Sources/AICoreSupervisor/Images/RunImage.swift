import AICoreImages
import AICoreRuntime

/// The image an instance runs on: its config (what it runs, by Compose's rules) and its
/// layers (the instance's root).
public struct RunImage: Sendable, Equatable {
    /// The normalised reference the service names.
    public var name: String
    public var id: Digest
    public var configuration: ImageConfiguration
    public var root: TaskSpec.ImageRoot

    public init(name: String, id: Digest, configuration: ImageConfiguration, root: TaskSpec.ImageRoot) {
        self.name = name
        self.id = id
        self.configuration = configuration
        self.root = root
    }
}
