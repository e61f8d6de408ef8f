/// What is at a path inside an instance (`GET /v1/instances/{id}/archive/stat`): how `cp`
/// decides whether a copy goes into a directory or takes the path's name.
public struct PathStatus: Codable, Sendable, Equatable {
    /// The path's last component.
    public var name: String
    /// `file`, `directory`, `symlink` or `other` (a device node, a fifo, a socket).
    public var kind: String
    public var size: UInt64
    /// Permission bits, e.g. 420 (0644).
    public var mode: UInt32
    /// A symlink's target, verbatim (with `follow`, the path is resolved and this is nil).
    public var linkTarget: String?

    public init(name: String, kind: String, size: UInt64, mode: UInt32, linkTarget: String? = nil) {
        self.name = name
        self.kind = kind
        self.size = size
        self.mode = mode
        self.linkTarget = linkTarget
    }
}

/// What a copy into an instance made (`PUT /v1/instances/{id}/archive`).
public struct CopyResult: Codable, Sendable, Equatable {
    /// Entries made (files, directories, links).
    public var entries: Int
    /// Bytes of file content written.
    public var bytes: UInt64

    public init(entries: Int, bytes: UInt64) {
        self.entries = entries
        self.bytes = bytes
    }
}
