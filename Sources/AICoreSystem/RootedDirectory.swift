import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// A directory that paths are resolved beneath and never out of, for trees that someone else
/// wrote: an image layer being unpacked, an image's root whose /etc/passwd is read.
///
/// Every path is opened relative to the directory's descriptor with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): an absolute path or a `..` that leaves the
/// directory fails with EXDEV and a symlink in any component with ELOOP, whatever the tree holds,
/// so no userspace walk can be raced. The calls that change the tree (`RootedDirectory+Changes`)
/// take a single name in a directory opened this way and never follow it.
///
/// Paths are bytes, as the kernel sees them: a layer may name files in any encoding, and a
/// `String` would silently repair what is not UTF-8. The `String` overloads are for callers'
/// own paths.
public final class RootedDirectory: Sendable {
    /// What the directory was opened as, for messages only.
    public let path: String
    /// An `O_RDONLY | O_DIRECTORY` descriptor (close-on-exec), owned: closed on release.
    public let descriptor: Int32

    /// O_PATH, which Swift's Glibc leaves out (glibc defines it only for _GNU_SOURCE): a
    /// descriptor that names an entry without opening it.
    public static let pathOnly: Int32 = 0o10000000

    /// Opens `path` (a path of the caller's, resolved as usual) as the root of what follows.
    /// `followingFinalSymlink: false` refuses a symlink in place of the directory itself (ELOOP).
    public convenience init(path: String, followingFinalSymlink: Bool = true) throws(SystemError) {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingFinalSymlink ? 0 : O_NOFOLLOW)
        let fd = try retryingEINTR("open \(path)") { Glibc.open(path, flags) }
        self.init(adopting: fd, path: path)
    }

    /// Takes ownership of a directory descriptor that is not `O_PATH`.
    public init(adopting descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    // MARK: Paths beneath this directory

    /// Opens `path` beneath this directory (`O_CLOEXEC` added). The caller closes the descriptor.
    /// A trailing symlink is refused too (ELOOP), unless `flags` hold `pathOnly | O_NOFOLLOW`:
    /// then the descriptor is the link's own.
    public func open(_ path: [UInt8], flags: Int32 = O_RDONLY, mode: mode_t = 0) throws(SystemError) -> Int32 {
        let rc = try Self.cString(path, for: operation("open", path)).withUnsafeBufferPointer {
            aic_open_beneath(descriptor, $0.baseAddress, flags, mode)
        }
        guard rc >= 0 else { throw .errno(-rc, operation("open", path)) }
        return rc
    }

    public func open(_ path: String, flags: Int32 = O_RDONLY, mode: mode_t = 0) throws(SystemError) -> Int32 {
        try open(Array(path.utf8), flags: flags, mode: mode)
    }

    /// The directory at `path` beneath this one, under the same rules (ENOTDIR when it is not one).
    public func directory(_ path: [UInt8]) throws(SystemError) -> RootedDirectory {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
        return RootedDirectory(adopting: fd, path: self.path + "/" + Self.display(path))
    }

    public func directory(_ path: String) throws(SystemError) -> RootedDirectory {
        try directory(Array(path.utf8))
    }

    /// The directory at `path` as an instance inside this root would name it, under the rule
    /// of a mount's target (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
    /// RESOLVE_NO_MAGICLINKS): `path` may be absolute (it starts here), a `..` stops here, and a
    /// symlink in any component fails with ELOOP, so what the agent reads is what a mount at
    /// `path` would cover, never a path the image points elsewhere.
    public func directory(inRoot path: String) throws(SystemError) -> RootedDirectory {
        let what = operation("open", Array(path.utf8))
        let rc = try Self.cString(Array(path.utf8), for: what).withUnsafeBufferPointer {
            aic_open_in_root(descriptor, $0.baseAddress, O_RDONLY | O_DIRECTORY, 0)
        }
        guard rc >= 0 else { throw .errno(-rc, what) }
        return RootedDirectory(adopting: rc, path: self.path + (path.hasPrefix("/") ? "" : "/") + path)
    }

    /// What `lstat` says about `path` (a trailing symlink described, not followed); nil when
    /// nothing is there.
    public func status(_ path: [UInt8]) throws(SystemError) -> FileStatus? {
        let fd: Int32
        do {
            fd = try open(path, flags: Self.pathOnly | O_NOFOLLOW)
        } catch where error.errno == ENOENT {
            return nil
        }
        defer { close(fd) }
        return try Self.status(of: fd, operation: operation("stat", path))
    }

    public func status(_ path: String) throws(SystemError) -> FileStatus? {
        try status(Array(path.utf8))
    }

    /// The contents of the regular file at `path`, refused (EFBIG) past `limit` bytes. Anything
    /// else there (a device node, a fifo) is never opened for reading: EINVAL.
    public func read(_ path: [UInt8], limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        let what = operation("read", path)
        let fd = try openRegularFile(path, operation: what)
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try retryingEINTR(what) { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { return out }
            guard out.count + n <= limit else {
                throw SystemError(code: .invalidArgument, errno: EFBIG, operation: what, detail: "larger than \(limit) bytes")
            }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    public func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        try read(Array(path.utf8), limit: limit)
    }

    /// The regular file at `path`, open for reading (the caller closes it). Anything else
    /// there is never opened: EINVAL.
    public func openRegularFile(_ path: [UInt8]) throws(SystemError) -> Int32 {
        try openRegularFile(path, operation: operation("open", path))
    }

    private func openRegularFile(_ path: [UInt8], operation what: String) throws(SystemError) -> Int32 {
        let handle = try open(path, flags: Self.pathOnly | O_NOFOLLOW)
        defer { close(handle) }
        // Opening is itself an action for a device (a tape rewinds, a driver wakes): the type is
        // checked on an O_PATH descriptor first, and only that very inode is then opened.
        guard try Self.status(of: handle, operation: what).kind == .regular else {
            throw SystemError(code: .invalidArgument, operation: what, detail: "not a regular file")
        }
        return try retryingEINTR(what) { Glibc.open("/proc/self/fd/\(handle)", O_RDONLY | O_CLOEXEC) }
    }

    /// The target of the symlink at `path`, verbatim (never resolved).
    public func readLink(_ path: [UInt8]) throws(SystemError) -> [UInt8] {
        let fd = try open(path, flags: Self.pathOnly | O_NOFOLLOW)
        defer { close(fd) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, "", &buffer, buffer.count)
        guard n >= 0 else { throw .last(operation("readlink", path)) }
        return buffer[0..<n].map { UInt8(bitPattern: $0) }
    }

    public func readLink(_ path: String) throws(SystemError) -> [UInt8] {
        try readLink(Array(path.utf8))
    }

    /// Every extended attribute of the entry at `path` (a symlink's own), by key.
    public func extendedAttributes(_ path: [UInt8]) throws(SystemError) -> [String: [UInt8]] {
        let fd = try open(path, flags: Self.pathOnly | O_NOFOLLOW)
        defer { close(fd) }
        return try Self.extendedAttributes(fd: fd, name: nil, operation: operation("read xattrs of", path))
    }

    public func extendedAttributes(_ path: String) throws(SystemError) -> [String: [UInt8]] {
        try extendedAttributes(Array(path.utf8))
    }

    /// The directory at `path` when it holds nothing, else nil: what an unpack or an
    /// extraction starts from, so that nothing already there mixes with what it writes.
    public static func openEmpty(path: String) throws(SystemError) -> RootedDirectory? {
        let directory = try RootedDirectory(path: path)
        return try directory.entries().isEmpty ? directory : nil
    }

    /// The names in this directory, without `.` and `..`, in no particular order.
    public func entries() throws(SystemError) -> [[UInt8]] {
        // A fresh open file description: readdir's position is not shared with `descriptor`.
        let fd = try retryingEINTR("open \(path)") { openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard let dir = fdopendir(fd) else {
            let failure = SystemError.last("opendir \(path)")
            close(fd)
            throw failure
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    // MARK: Helpers shared with the extensions

    func operation(_ verb: String, _ path: [UInt8]) -> String {
        "\(verb) \(Self.display(path)) beneath \(self.path)"
    }

    /// The path for messages: lossy where it is not UTF-8.
    static func display(_ path: [UInt8]) -> String {
        String(decoding: path, as: UTF8.self)
    }

    /// The NUL-terminated form; a NUL inside would silently name another path, so it is refused.
    static func cString(_ path: [UInt8], for operation: String) throws(SystemError) -> [CChar] {
        guard !path.contains(0) else {
            throw SystemError(code: .invalidArgument, errno: EINVAL, operation: operation, detail: "the path holds a NUL byte")
        }
        return path.map { CChar(bitPattern: $0) } + [0]
    }

    static func status(of fd: Int32, operation: String) throws(SystemError) -> FileStatus {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .last(operation) }
        guard let status = FileStatus(st) else {
            throw SystemError(code: .invalidArgument, operation: operation, detail: "unknown file type \(st.st_mode & S_IFMT)")
        }
        return status
    }

    /// The attributes of `name` in directory `fd` (not followed), or of `fd` itself when nil.
    static func extendedAttributes(fd: Int32, name: [CChar]?, operation: String) throws(SystemError) -> [String: [UInt8]] {
        func list(_ buffer: UnsafeMutableBufferPointer<CChar>) -> Int {
            if let name { return aic_xattr_list(fd, name, buffer.baseAddress, buffer.count) }
            return aic_xattr_list(fd, nil, buffer.baseAddress, buffer.count)
        }
        func get(_ key: [CChar], _ buffer: UnsafeMutableRawBufferPointer) -> Int {
            if let name { return aic_xattr_get(fd, name, key, buffer.baseAddress, buffer.count) }
            return aic_xattr_get(fd, nil, key, buffer.baseAddress, buffer.count)
        }
        // Sizes are asked first; an attribute that grows in between fails with ERANGE, retried.
        for _ in 0..<8 {
            let needed = list(UnsafeMutableBufferPointer(start: nil, count: 0))
            guard needed >= 0 else { throw .errno(Int32(-needed), operation) }
            var keys = [CChar](repeating: 0, count: needed)
            let got = keys.withUnsafeMutableBufferPointer { list($0) }
            if got == -Int(ERANGE) { continue }
            guard got >= 0 else { throw .errno(Int32(-got), operation) }
            var result: [String: [UInt8]] = [:]
            var raced = false
            for key in keys[0..<got].split(separator: 0) {
                let cKey = Array(key) + [0]
                let size = get(cKey, UnsafeMutableRawBufferPointer(start: nil, count: 0))
                if size == -Int(ENODATA) { continue }
                guard size >= 0 else { throw .errno(Int32(-size), operation) }
                var value = [UInt8](repeating: 0, count: size)
                let read = value.withUnsafeMutableBytes { get(cKey, $0) }
                if read == -Int(ERANGE) { raced = true; break }
                if read == -Int(ENODATA) { continue }
                guard read >= 0 else { throw .errno(Int32(-read), operation) }
                result[String(decoding: key.map { UInt8(bitPattern: $0) }, as: UTF8.self)] = Array(value[0..<read])
            }
            if !raced { return result }
        }
        throw .errno(ERANGE, operation)
    }
}
