import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Replaces `path` with `bytes` so that a crash leaves either the old file or the new one,
    /// never a torn one: written to a temporary name beside it, synced, renamed over it, and the
    /// directory synced. For records that other state depends on (an image index).
    public static func writeDurably(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let temporary = "\(path).tmp-\(getpid())"
        try write(temporary, bytes, mode: mode)
        do {
            try sync(temporary)
            try rename(temporary, to: path)
            try sync(directory(of: path))
        } catch {
            _ = unlink(temporary)
            throw error
        }
    }

    /// fsync of a file or a directory.
    public static func sync(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .last("fsync \(path)") }
    }

    /// Calls `body` with the file's bytes in order, `chunkSize` at a time: hashing a large blob
    /// without holding it in memory.
    public static func forEachChunk(of path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError.last("open \(path)") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("read \(path)")
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The size of a file (not following a final symlink), or nil when it does not exist.
    public static func size(of path: String) throws(SystemError) -> UInt64? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw .last("stat \(path)")
        }
        return UInt64(st.st_size)
    }

    /// Removes a file; one that is already gone is not an error.
    public static func removeFile(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .last("unlink \(path)") }
    }

    public static func setMode(_ path: String, _ mode: mode_t) throws(SystemError) {
        guard chmod(path, mode) == 0 else { throw .last("chmod \(String(mode, radix: 8)) \(path)") }
    }

    /// Copies a file's bytes to a new file (mode 0600), letting the kernel copy (a reflink where
    /// the filesystem can), and reports the bytes copied so far.
    public static func copyFile(_ source: String, to destination: String, progress: (UInt64) -> Void = { _ in }) throws(SystemError) {
        let input = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard input >= 0 else { throw .last("open \(source)") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard output >= 0 else { throw .last("open \(destination)") }
        defer { close(output) }
        try copyContents(input, to: output, source: source, destination: destination, progress: progress)
    }

    /// `copyFile` between descriptors the caller opened (and closes), from their current
    /// offsets: for files reached through a `RootedDirectory`. `source` and `destination` name
    /// them in an error.
    public static func copyContents(_ input: Int32, to output: Int32, source: String, destination: String,
                                    progress: (UInt64) -> Void = { _ in }) throws(SystemError) {
        var copied: UInt64 = 0
        while true {
            let n = aic_copy_file_range(input, output, 8 << 20)
            if n < 0 {
                if errno == EINTR { continue }
                // Across filesystems of different types (Linux ≥ 5.19), or where the filesystem
                // has no such call: copy the bytes ourselves, from where the kernel stopped.
                if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) {
                    try copyBytes(input, output, copied: copied, source: source, destination: destination, progress: progress)
                    return
                }
                throw .last("copy \(source) to \(destination)")
            }
            if n == 0 { return }
            copied += UInt64(n)
            progress(copied)
        }
    }

    /// read/write from the current offsets: `copyFile` where copy_file_range cannot.
    private static func copyBytes(_ input: Int32, _ output: Int32, copied start: UInt64, source: String, destination: String,
                                  progress: (UInt64) -> Void) throws(SystemError) {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var copied = start
        while true {
            let n = Glibc.read(input, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("read \(source)")
            }
            if n == 0 { return }
            try writeAll(output, UnsafeRawBufferPointer(start: buffer, count: n), path: destination)
            copied += UInt64(n)
            progress(copied)
        }
    }

    /// Appends `bytes` to `path`, creating it (mode 0600) when missing: a large upload written
    /// in batches as it arrives.
    public static func append(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .last("open \(path)") }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
    }

    /// A name part that differs between processes (temporary files beside their target).
    public static var processSuffix: String { String(getpid()) }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
