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

    public init(architecture: String?, os: String?, variant: String? = nil, created: String? = nil, config: RunConfig?, rootfs: RootFS) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.created = created
        self.config = config
        self.rootfs = rootfs
    }

    public struct RootFS: Sendable, Codable, Equatable {
        public var type: String
        /// The digest of each layer's uncompressed tar, in order: what chain IDs are made of.
        public var diffIDs: [Digest]

        public init(type: String = "layers", diffIDs: [Digest]) {
            self.type = type
            self.diffIDs = diffIDs
        }

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

        public init(user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil,
                    workingDir: String? = nil, stopSignal: String? = nil, exposedPorts: [String: EmptyObject]? = nil,
                    volumes: [String: EmptyObject]? = nil, labels: [String: String]? = nil, healthcheck: Healthcheck? = nil) {
            self.user = user
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.workingDir = workingDir
            self.stopSignal = stopSignal
            self.exposedPorts = exposedPorts
            self.volumes = volumes
            self.labels = labels
            self.healthcheck = healthcheck
        }

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

        public init(test: [String]?, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
                    startInterval: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.startInterval = startInterval
            self.retries = retries
        }

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
