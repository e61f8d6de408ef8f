/// A filesystem mount of a service: a host path, a named volume, or a tmpfs.
public struct VolumeMount: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case bind, volume, tmpfs
    }

    public var kind: Kind
    /// Absolute host path (bind), volume name (volume; nil for an anonymous volume), nil for tmpfs.
    public var source: String?
    /// Absolute path inside the instance.
    public var target: String
    public var readOnly: Bool
    /// bind: create the host path when missing (Compose's default for the short form).
    public var createHostPath: Bool
    public var propagation: String?
    /// volume: do not copy the image's content into a new volume.
    public var noCopy: Bool
    public var subpath: String?
    /// tmpfs size limit; nil means the kernel default (half of RAM).
    public var tmpfsSize: ByteSize?
    /// tmpfs permission bits.
    public var tmpfsMode: UInt32?

    public init(
        kind: Kind, source: String?, target: String, readOnly: Bool = false, createHostPath: Bool = false,
        propagation: String? = nil, noCopy: Bool = false, subpath: String? = nil,
        tmpfsSize: ByteSize? = nil, tmpfsMode: UInt32? = nil
    ) {
        self.kind = kind
        self.source = source
        self.target = target
        self.readOnly = readOnly
        self.createHostPath = createHostPath
        self.propagation = propagation
        self.noCopy = noCopy
        self.subpath = subpath
        self.tmpfsSize = tmpfsSize
        self.tmpfsMode = tmpfsMode
    }
}
