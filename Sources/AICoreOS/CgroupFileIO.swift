#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The raw file operations behind the cgroup managers: whole-file reads, single-`write(2)` writes
/// (cgroupfs wants one write per value), mkdir/rmdir, each retrying EINTR and failing with a
/// `SystemError` that names the action and the path.
///
/// Files are never created: opening a control file that does not exist fails with ENOENT, exactly as
/// on cgroupfs when a controller is missing. That is what lets the tests lay out a temporary directory
/// like cgroupfs and see which files were written.
enum CgroupFileIO {
    /// Reads the whole file.
    static func read(_ path: String) throws(SystemError) -> String {
        let fd = try openRetrying(path, O_RDONLY | O_CLOEXEC, action: "read \(path)")
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                break
            } else {
                let err = errno
                if err == EINTR { continue }
                throw .errno(err, "read \(path)")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the whole file, or returns nil when it does not exist (an optional control file, or
    /// a cgroup removed meanwhile).
    static func readIfPresent(_ path: String) throws(SystemError) -> String? {
        do {
            return try read(path)
        } catch where isGone(error) {
            return nil
        }
    }

    /// The failure says the cgroup is gone: ENOENT once it is removed, ENODEV while it is being
    /// removed (a control file opened before the rmdir answers so). systemd removes a scope's
    /// cgroup as soon as it is empty, so a read or write that races a kill may meet either.
    static func isGone(_ error: SystemError) -> Bool {
        error.code == .systemCall && (error.errno == ENOENT || error.errno == ENODEV)
    }

    /// Writes `value` with a single write(2), replacing the file's content (O_TRUNC, ignored by cgroupfs).
    static func write(_ value: String, to path: String) throws(SystemError) {
        let action = "write \(value) to \(path)"
        let fd = try openRetrying(path, O_WRONLY | O_TRUNC | O_CLOEXEC, action: action)
        defer { _ = close(fd) }
        let bytes = Array(value.utf8)
        while true {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n == bytes.count { return }
            let err = errno
            if n < 0 && err == EINTR { continue }
            if n >= 0 { throw SystemError(code: .systemCall, errno: EIO, operation: action, detail: "short write of \(n) bytes") }
            throw .errno(err, action)
        }
    }

    /// Writes `value`, returning false instead of failing when the file does not exist.
    @discardableResult
    static func writeIfPresent(_ value: String, to path: String) throws(SystemError) -> Bool {
        do {
            try write(value, to: path)
            return true
        } catch where error.code == .systemCall && error.errno == ENOENT {
            return false
        }
    }

    /// mkdir -p: creates `path` and any missing ancestors (mode 0755). Existing directories are fine.
    static func makeDirectories(_ path: String) throws(SystemError) {
        try retryingVanishedAncestors { () throws(SystemError) in
            var current = path.hasPrefix("/") ? "" : "."
            for component in path.split(separator: "/") {
                current += "/" + component
                if mkdir(current, 0o755) == 0 { continue }
                let err = errno
                if err == EEXIST { continue }
                throw .errno(err, "mkdir \(current)")
            }
        }
    }

    /// mkdir of one level, which may exist already; fails with ENOENT when its parent does not.
    static func makeDirectory(_ path: String) throws(SystemError) {
        if mkdir(path, 0o755) == 0 { return }
        let err = errno
        if err == EEXIST { return }
        throw .errno(err, "mkdir \(path)")
    }

    /// Runs `body` again when it failed because a cgroup on its path went away under it: another
    /// instance's `destroy` removes the stack and service cgroups it finds empty
    /// (`removeEmptyAncestors`), and one of those can be the parent that `body` just found or
    /// made (`isGone`). Once the new cgroup exists, its ancestors are no longer empty and stay.
    static func retryingVanishedAncestors<T>(_ body: () throws(SystemError) -> T) throws(SystemError) -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch where isGone(error) && attempt < 8 {
                attempt += 1
            }
        }
    }

    /// Removes the service and stack cgroups above an instance's (`<root>/<stack>/<service>/<id>`)
    /// once they are empty, and an agent's private root (`aicore-<hex>`) too, so that `down`
    /// leaves nothing behind. The shared `aicore` root stays. Stops at the first that still has
    /// children (or is gone), and never goes above the root.
    static func removeEmptyAncestors(of dir: String, levels: Int = 3) {
        var current = dir
        for _ in 0..<levels {
            guard let slash = current.lastIndex(of: "/"), slash != current.startIndex else { return }
            current = String(current[..<slash])
            let components = current.split(separator: "/")
            guard let root = components.firstIndex(where: isAgentRoot) else { return }
            let isRoot = root == components.count - 1
            if isRoot && components[root] == "aicore" { return }
            if rmdir(current) != 0 || isRoot { return }
        }
    }

    /// `aicore`, or `aicore-` and 8 hex digits (`LocalNode.cgroupRoot`).
    static func isAgentRoot(_ component: Substring) -> Bool {
        component == "aicore"
            || (component.count == 15 && component.hasPrefix("aicore-") && component.dropFirst(7).allSatisfy(\.isHexDigit))
    }

    /// rmdir, tolerating ENOENT; EBUSY (a cgroup whose last task is still exiting) is retried until `timeout`.
    static func removeDirectory(_ path: String, timeout: Duration) throws(SystemError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if rmdir(path) == 0 { return }
            let err = errno
            switch err {
            case ENOENT: return
            case EINTR: continue
            case EBUSY where ContinuousClock.now < deadline: pause(milliseconds: 10)
            default: throw .errno(err, "rmdir \(path)")
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Sleeps the calling thread. The cgroup API is synchronous: callers run it off actors and event loops.
    static func pause(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }

    private static func openRetrying(_ path: String, _ flags: Int32, action: String) throws(SystemError) -> Int32 {
        while true {
            let fd = open(path, flags)
            if fd >= 0 { return fd }
            let err = errno
            if err == EINTR { continue }
            throw .errno(err, action)
        }
    }
}
