/// One entry of a tar archive, as its header (and PAX records) describe it.
///
/// Names are kept as the archive's bytes: a layer may name files in any encoding, and a file
/// made under a repaired name would not be the file the image means. `path` and `linkTarget`
/// are the same, decoded for messages.
public struct ArchiveEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo
        /// A type tar can name but a filesystem cannot hold from an archive (a socket).
        case other

        public var description: String {
            switch self {
            case .file: "regular file"
            case .directory: "directory"
            case .symlink: "symlink"
            case .hardlink: "hard link"
            case .characterDevice: "character device"
            case .blockDevice: "block device"
            case .fifo: "fifo"
            case .other: "unsupported entry type"
            }
        }
    }

    /// A point in time as tar records it.
    public struct Time: Sendable, Equatable {
        public var seconds: Int64
        public var nanoseconds: Int64

        public init(seconds: Int64, nanoseconds: Int64 = 0) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }
    }

    /// An extended attribute from the entry's PAX records (`SCHILY.xattr.*`).
    public struct ExtendedAttribute: Sendable, Equatable {
        /// The key's bytes (e.g. `user.mime_type`).
        public var keyBytes: [UInt8]
        public var value: [UInt8]

        public init(keyBytes: [UInt8], value: [UInt8]) {
            self.keyBytes = keyBytes
            self.value = value
        }

        public var key: String { String(decoding: keyBytes, as: UTF8.self) }
    }

    /// The name exactly as archived (`./usr/bin/env`, `etc/`, …).
    public var pathBytes: [UInt8]
    public var kind: Kind
    /// The content's length; for a sparse file, its length with the holes.
    public var size: UInt64
    /// A symlink's target, written as is, or the archived name a hard link points to.
    public var linkTargetBytes: [UInt8]?
    /// Permission bits with setuid, setgid and sticky (`mode & 07777`).
    public var permissions: UInt32
    /// As the archive says: a value outside 0...4294967294 is the reader's to refuse.
    public var uid: Int64
    public var gid: Int64
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    public var modificationTime: Time
    /// nil when the archive does not record it (ustar never does).
    public var accessTime: Time?
    public var extendedAttributes: [ExtendedAttribute]
    /// The content has holes (GNU or PAX sparse entries).
    public var isSparse: Bool

    public init(pathBytes: [UInt8], kind: Kind, size: UInt64 = 0, linkTargetBytes: [UInt8]? = nil,
                permissions: UInt32 = 0o644, uid: Int64 = 0, gid: Int64 = 0, deviceMajor: UInt32 = 0,
                deviceMinor: UInt32 = 0, modificationTime: Time = Time(seconds: 0), accessTime: Time? = nil,
                extendedAttributes: [ExtendedAttribute] = [], isSparse: Bool = false) {
        self.pathBytes = pathBytes
        self.kind = kind
        self.size = size
        self.linkTargetBytes = linkTargetBytes
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.modificationTime = modificationTime
        self.accessTime = accessTime
        self.extendedAttributes = extendedAttributes
        self.isSparse = isSparse
    }

    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
    public var linkTarget: String? { linkTargetBytes.map { String(decoding: $0, as: UTF8.self) } }
}
