import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// Paths as a process whose root is this directory names them (`cp` into and out of an
/// instance, through /proc/PID/root of its init). Unlike the rest of RootedDirectory, symlinks
/// are followed, as the instance itself would follow them, but with openat2(RESOLVE_IN_ROOT |
/// RESOLVE_NO_MAGICLINKS): an absolute target starts at this directory and a `..` stops at it,
/// so a link the workload made (`/escape -> /../../etc`) leads to the instance's /etc, never
/// the host's. Magic links (/proc/PID/root inside the instance) are refused (ELOOP).
extension RootedDirectory {
    /// Opens `path` inside this root (`O_CLOEXEC` added); the caller closes the descriptor.
    /// `followingFinalSymlink: false` adds `O_NOFOLLOW`: with `pathOnly`, a trailing symlink is
    /// opened as the link itself.
    public func open(inRoot path: [UInt8], flags: Int32, mode: mode_t = 0, followingFinalSymlink: Bool) throws(SystemError) -> Int32 {
        let what = operation("open", path)
        let rc = try Self.cString(path, for: what).withUnsafeBufferPointer {
            aic_open_in_root_following(descriptor, $0.baseAddress, flags | (followingFinalSymlink ? 0 : O_NOFOLLOW), UInt32(mode))
        }
        guard rc >= 0 else { throw .errno(-rc, what) }
        return rc
    }

    /// The directory at `path` inside this root, every symlink on the way resolved inside it
    /// (ENOTDIR when it is not a directory).
    public func directory(followingInRoot path: [UInt8]) throws(SystemError) -> RootedDirectory {
        let fd = try open(inRoot: path, flags: O_RDONLY | O_DIRECTORY, followingFinalSymlink: true)
        return RootedDirectory(adopting: fd, path: self.path + (path.first == UInt8(ascii: "/") ? "" : "/") + Self.display(path))
    }

    /// What is at `path` inside this root (a trailing symlink described unless
    /// `followingFinalSymlink`); nil when nothing is there.
    public func status(inRoot path: [UInt8], followingFinalSymlink: Bool) throws(SystemError) -> FileStatus? {
        let fd: Int32
        do {
            fd = try open(inRoot: path, flags: Self.pathOnly, followingFinalSymlink: followingFinalSymlink)
        } catch where error.errno == ENOENT {
            return nil
        }
        defer { close(fd) }
        return try Self.status(of: fd, operation: operation("stat", path))
    }

    /// The directory an `O_PATH` descriptor of one names, opened for reading; the caller keeps
    /// `handle`. Reopening through /proc/self/fd reaches that very inode and resolves nothing.
    public static func reopenDirectory(_ handle: Int32, path: String) throws(SystemError) -> RootedDirectory {
        let fd = try retryingEINTR("open \(path)") { Glibc.open("/proc/self/fd/\(handle)", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        return RootedDirectory(adopting: fd, path: path)
    }

    /// The regular file an `O_PATH` descriptor names, open for reading (the caller closes it).
    public static func reopenFile(_ handle: Int32, path: String) throws(SystemError) -> Int32 {
        try retryingEINTR("open \(path)") { Glibc.open("/proc/self/fd/\(handle)", O_RDONLY | O_CLOEXEC | O_NOCTTY) }
    }

    /// The target of the symlink an `O_PATH | O_NOFOLLOW` descriptor holds, verbatim.
    public static func linkTarget(_ handle: Int32, path: String) throws(SystemError) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(handle, "", &buffer, buffer.count)
        guard n >= 0 else { throw .last("readlink \(path)") }
        return buffer[0..<n].map { UInt8(bitPattern: $0) }
    }

    /// What `fstat` says of a descriptor.
    public static func status(of fd: Int32, path: String) throws(SystemError) -> FileStatus {
        try status(of: fd, operation: "stat \(path)")
    }
}
