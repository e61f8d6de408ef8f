import Foundation
import AICoreImages

/// An image on the node (`GET /v1/images`, `image ls`, `image inspect`).
public struct ImageStatus: Codable, Sendable, Equatable {
    /// The normalised reference: `docker.io/library/redis:7`.
    public var name: String
    /// Docker's short form: `redis:7`.
    public var familiar: String
    /// The config's digest: the image ID.
    public var id: String
    /// What the name resolved to (an index or a manifest): the repository digest.
    public var digest: String
    /// The manifest of this node's platform.
    public var manifest: String
    public var platform: String
    /// Compressed bytes of the config and layers, as a registry transfers them.
    public var size: Int64
    public var layers: Int
    /// From the image's config.
    public var created: String?
    /// When the name last switched to a manifest (a pull or a load).
    public var updated: String
    /// The services of the stacks on the node that name this image.
    public var usedBy: [String]
    /// `image inspect` only: the layers (compressed digests, bottom first), their diff IDs,
    /// and what the image runs.
    public var detail: Detail?

    public struct Detail: Codable, Sendable, Equatable {
        public var layers: [String]
        public var diffIDs: [String]
        public var entrypoint: [String]?
        public var cmd: [String]?
        public var env: [String]?
        public var user: String?
        public var workingDir: String?
        public var stopSignal: String?
        public var exposedPorts: [String]
        public var volumes: [String]
        public var labels: [String: String]

        enum CodingKeys: String, CodingKey {
            // "diffIds", so the API's snake_case is `diff_ids`.
            case layers, diffIDs = "diffIds", entrypoint, cmd, env, user, workingDir, stopSignal, exposedPorts, volumes, labels
        }
    }

    public init(_ record: ImageRecord, usedBy: [String], configuration: ImageConfiguration? = nil) {
        name = record.name
        familiar = (try? ImageReference(parsing: record.name).familiar) ?? record.name
        id = record.id.description
        digest = record.target.digest.description
        manifest = record.manifest.digest.description
        platform = record.platform.description
        size = record.size
        layers = record.layers.count
        created = record.created
        updated = record.updated.formatted(.iso8601)
        self.usedBy = usedBy
        detail = configuration.map { configuration in
            let run = configuration.config
            return Detail(
                layers: record.layers.map(\.digest.description), diffIDs: record.diffIDs.map(\.description),
                entrypoint: run?.entrypoint, cmd: run?.cmd, env: run?.env, user: run?.user, workingDir: run?.workingDir,
                stopSignal: run?.stopSignal, exposedPorts: (run?.exposedPorts ?? [:]).keys.sorted(),
                volumes: (run?.volumes ?? [:]).keys.sorted(), labels: run?.labels ?? [:]
            )
        }
    }
}
