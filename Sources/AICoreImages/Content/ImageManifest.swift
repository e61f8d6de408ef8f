/// An image manifest: OCI `image.manifest.v1` or Docker schema2 (the same shape).
public struct ImageManifest: Sendable, Codable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?
}

/// An index of manifests, one per platform: OCI `image.index.v1` or Docker's manifest list.
public struct ImageIndex: Sendable, Codable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?

    public init(schemaVersion: Int = 2, mediaType: String? = MediaType.ociIndex, manifests: [Descriptor], annotations: [String: String]? = nil) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}

/// The fields of an image's config (OCI `image.config.v1`, Docker's container config) that
/// decide how an instance runs. Unknown fields are ignored; the config's bytes stay in the store.
public struct ImageConfiguration: Sendable, Codable, Equatable {
    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var created: String?
    public var config: RunConfig?
    public var rootfs: RootFS

    public struct RootFS: Sendable, Codable, Equatable {
        public var type: String
        /// The digest of each layer's uncompressed tar, in order: what chain IDs are made of.
        public var diffIDs: [Digest]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    /// What `docker run` takes from the image: Docker's capitalised keys.
    public struct RunConfig: Sendable, Codable, Equatable {
        public var user: String?
        public var env: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        public var workingDir: String?
        public var stopSignal: String?
        public var exposedPorts: [String: EmptyObject]?
        public var volumes: [String: EmptyObject]?
        public var labels: [String: String]?
        public var healthcheck: Healthcheck?

        enum CodingKeys: String, CodingKey {
            case user = "User"
            case env = "Env"
            case entrypoint = "Entrypoint"
            case cmd = "Cmd"
            case workingDir = "WorkingDir"
            case stopSignal = "StopSignal"
            case exposedPorts = "ExposedPorts"
            case volumes = "Volumes"
            case labels = "Labels"
            case healthcheck = "Healthcheck"
        }
    }

    /// Docker's image healthcheck; durations are nanoseconds.
    public struct Healthcheck: Sendable, Codable, Equatable {
        public var test: [String]?
        public var interval: Int64?
        public var timeout: Int64?
        public var startPeriod: Int64?
        public var startInterval: Int64?
        public var retries: Int?

        enum CodingKeys: String, CodingKey {
            case test = "Test"
            case interval = "Interval"
            case timeout = "Timeout"
            case startPeriod = "StartPeriod"
            case startInterval = "StartInterval"
            case retries = "Retries"
        }
    }

    /// `{}`: the value of each key of `ExposedPorts` and `Volumes`.
    public struct EmptyObject: Sendable, Codable, Equatable {
        public init() {}
    }
}
