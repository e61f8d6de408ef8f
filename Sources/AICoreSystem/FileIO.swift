#if canImport(Glibc)
import Glibc
#endif

/// Small, direct file helpers (no Foundation on the spawn path: it costs startup time).
public enum FileIO {
    /// `followSymlinks: false` refuses a final symlink (ELOOP): for files in a directory that
    /// someone else can write, such as an instance's logs.
    public static func read(_ path: String, followSymlinks: Bool = true) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw .last("open \(path)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("read \(path)")
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    public static func readIfExists(_ path: String, followSymlinks: Bool = true) throws(SystemError) -> [UInt8]? {
        do {
            return try read(path, followSymlinks: followSymlinks)
        } catch where error.errno == ENOENT {
            return nil
        }
    }

    /// At most the last `maxBytes` of a file (nil when it does not exist): a log's newest lines
    /// without reading what came before.
    public static func readTail(_ path: String, maxBytes: Int, followSymlinks: Bool = true) throws(SystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .last("open \(path)")
        }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw .last("lseek \(path)") }
        var offset = max(0, Int(size) - maxBytes)
        var out = [UInt8](repeating: 0, count: Int(size) - offset)
        var filled = 0
        while filled < out.count {
            let n = out.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(fd, base + filled, buffer.count - filled, off_t(offset))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("read \(path)")
            }
            if n == 0 { break }
            filled += n
            offset += n
        }
        return Array(out[0..<filled])
    }

    /// Renames `from` to `to`, replacing what `to` was (a directory only when it is empty: the
    /// caller removes a full one first).
    public static func rename(_ from: String, to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw .last("rename \(from) to \(to)") }
    }

    public static func readString(_ path: String) throws(SystemError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes the whole file (create or truncate) with exactly `mode`, whatever the umask (the
    /// agent's is 077; a file bound into an instance, such as /etc/hosts, must stay readable).
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .last("open \(path)") }
        defer { close(fd) }
        if fchmod(fd, mode) != 0 { throw .last("chmod \(String(mode, radix: 8)) \(path)") }
        try writeAll(fd, bytes, path: path)
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeAll(fd, raw, path: path) } }.get()
    }

    /// Writes all of `bytes` to `fd` (short writes and EINTR continued): at the descriptor's own
    /// offset, or with `pwrite` from `offset` on. `path` names the file in an error.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64? = nil, path: String) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = offset.map { pwrite(fd, base + done, bytes.count - done, off_t($0) + off_t(done)) }
                ?? Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("write \(path)")
            }
            done += n
        }
    }

    public static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws(SystemError) {
        try write(path, Array(text.utf8), mode: mode)
    }

    /// mkdir -p. The directories it makes get exactly `mode`, whatever the umask; those that
    /// exist keep theirs.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 {
                if chmod(current, mode) != 0 { throw .last("chmod \(String(mode, radix: 8)) \(current)") }
            } else if errno != EEXIST {
                throw .last("mkdir \(current)")
            }
        }
    }

    /// rm -rf that never crosses into a mounted filesystem (mount points are left alone and
    /// reported by the failing rmdir).
    public static func removeTree(_ path: String) throws(SystemError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw .last("stat \(path)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try entries(of: path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw .last("rmdir \(path)") }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw .last("unlink \(path)")
        }
    }

    /// The names in a directory, without `.` and `..`, in no particular order.
    public static func entries(of path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw .last("opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The bytes a tree takes on disk (`du -s --bytes` of allocated blocks), not crossing into
    /// another filesystem and not following symlinks; what removing it frees. Entries that
    /// vanish or cannot be read while it walks count as nothing.
    public static func diskUsage(_ path: String) -> UInt64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        return diskUsage(path, st, device: st.st_dev)
    }

    private static func diskUsage(_ path: String, _ st: stat, device: dev_t) -> UInt64 {
        var total = UInt64(max(st.st_blocks, 0)) * 512
        guard (st.st_mode & S_IFMT) == S_IFDIR, st.st_dev == device else { return total }
        for name in (try? entries(of: path)) ?? [] {
            let child = path + "/" + name
            var cst = stat()
            guard lstat(child, &cst) == 0, cst.st_dev == device else { continue }
            total += diskUsage(child, cst, device: device)
        }
        return total
    }

    /// chown without following a final symlink (lchown), then chmod `mode` on the directory.
    public static func own(_ path: String, uid: UInt32, gid: UInt32, mode: mode_t) throws(SystemError) {
        if lchown(path, uid, gid) != 0 { throw .last("chown \(uid):\(gid) \(path)") }
        if chmod(path, mode) != 0 { throw .last("chmod \(String(mode, radix: 8)) \(path)") }
    }

    /// uid and gid of `path` (not following a final symlink), or nil when it is absent.
    public static func owner(_ path: String) -> (uid: UInt32, gid: UInt32)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The target of the symbolic link at `path`.
    public static func readLink(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { throw .last("readlink \(path)") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func isSymbolicLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
