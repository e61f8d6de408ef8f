#if canImport(Glibc)
import Glibc
#endif

/// What `lstat` says about one filesystem entry, in plain values: an entry seen through a
/// `RootedDirectory`, or compared between two trees.
public struct FileStatus: Sendable, Hashable {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case regular, directory, symbolicLink, characterDevice, blockDevice, fifo, socket

        init?(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symbolicLink
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFIFO: self = .fifo
            case S_IFSOCK: self = .socket
            default: return nil
            }
        }

        /// The `S_IF*` bits of this kind.
        public var typeBits: mode_t {
            switch self {
            case .regular: S_IFREG
            case .directory: S_IFDIR
            case .symbolicLink: S_IFLNK
            case .characterDevice: S_IFCHR
            case .blockDevice: S_IFBLK
            case .fifo: S_IFIFO
            case .socket: S_IFSOCK
            }
        }

        public var description: String {
            switch self {
            case .regular: "regular file"
            case .directory: "directory"
            case .symbolicLink: "symbolic link"
            case .characterDevice: "character device"
            case .blockDevice: "block device"
            case .fifo: "fifo"
            case .socket: "socket"
            }
        }
    }

    public var kind: Kind
    /// The permission bits with setuid, setgid and sticky (`mode & 07777`).
    public var permissions: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: UInt64
    /// For device nodes: the device they stand for.
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// The filesystem and inode the entry lives on: equal for the names of one hard-linked file.
    public var filesystem: UInt64
    public var inode: UInt64
    public var links: UInt64
    public var modificationSeconds: Int64
    public var modificationNanoseconds: Int64

    public init(kind: Kind, permissions: UInt32, uid: UInt32, gid: UInt32, size: UInt64 = 0,
                deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0, filesystem: UInt64 = 0, inode: UInt64 = 0,
                links: UInt64 = 1, modificationSeconds: Int64 = 0, modificationNanoseconds: Int64 = 0) {
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.filesystem = filesystem
        self.inode = inode
        self.links = links
        self.modificationSeconds = modificationSeconds
        self.modificationNanoseconds = modificationNanoseconds
    }

    /// nil for a file type this enum does not know (there is none on Linux today).
    public init?(_ st: stat) {
        guard let kind = Kind(mode: st.st_mode) else { return nil }
        // glibc's major()/minor() are macros Swift cannot import; this is their bit layout.
        let rdev = UInt64(st.st_rdev)
        self.init(
            kind: kind,
            permissions: UInt32(st.st_mode & 0o7777),
            uid: st.st_uid,
            gid: st.st_gid,
            size: UInt64(max(st.st_size, 0)),
            deviceMajor: UInt32(truncatingIfNeeded: ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff))),
            deviceMinor: UInt32(truncatingIfNeeded: (rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff))),
            filesystem: UInt64(st.st_dev),
            inode: UInt64(st.st_ino),
            links: UInt64(st.st_nlink),
            modificationSeconds: Int64(st.st_mtim.tv_sec),
            modificationNanoseconds: Int64(st.st_mtim.tv_nsec)
        )
    }
}
