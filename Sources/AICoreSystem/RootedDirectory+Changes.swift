import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// The calls that change a tree. Each acts on one `name` in this directory (a single component:
/// not empty, no `/`, not `.` or `..`, else EINVAL) and never follows it; the directory itself
/// was reached beneath the root with no symlink, so nothing made here can land elsewhere. Where
/// `name` is optional, nil means this directory itself.
extension RootedDirectory {
    public func makeDirectory(named name: [UInt8], mode: mode_t) throws(SystemError) {
        let what = operation("mkdir", name)
        let cName = try Self.validName(name, for: what)
        guard mkdirat(descriptor, cName, mode) == 0 else { throw .last(what) }
    }

    /// A new regular file (`O_EXCL`: nothing, not even a symlink, may be there), open for
    /// writing. The caller closes the descriptor.
    public func createFile(named name: [UInt8], mode: mode_t) throws(SystemError) -> Int32 {
        let what = operation("create", name)
        let cName = try Self.validName(name, for: what)
        return try retryingEINTR(what) {
            openat(descriptor, cName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
    }

    /// A device node or a fifo (`kind` `.characterDevice`, `.blockDevice` or `.fifo`).
    public func makeNode(named name: [UInt8], kind: FileStatus.Kind, mode: mode_t, major: UInt32 = 0, minor: UInt32 = 0) throws(SystemError) {
        let what = operation("mknod", name)
        let cName = try Self.validName(name, for: what)
        guard kind == .characterDevice || kind == .blockDevice || kind == .fifo else {
            throw SystemError(code: .invalidArgument, errno: EINVAL, operation: what, detail: "a \(kind) is not a node")
        }
        let rc = aic_mknodat(descriptor, cName, UInt32(kind.typeBits | (mode & 0o7777)), major, minor)
        guard rc == 0 else { throw .errno(-rc, what) }
    }

    /// A symlink whose target is written as given: it is never resolved here.
    public func makeSymbolicLink(named name: [UInt8], target: [UInt8]) throws(SystemError) {
        let what = operation("symlink", name)
        let cName = try Self.validName(name, for: what)
        let cTarget = try Self.cString(target, for: what)
        guard symlinkat(cTarget, descriptor, cName) == 0 else { throw .last(what) }
    }

    /// A new name for the entry `targetName` of `directory` (itself when a symlink: never
    /// followed). Both directories must be on one filesystem (else EXDEV).
    public func makeHardLink(named name: [UInt8], to targetName: [UInt8], in directory: RootedDirectory) throws(SystemError) {
        let what = operation("link", name) + " to " + Self.display(targetName) + " in " + directory.path
        let cName = try Self.validName(name, for: what)
        let cTarget = try Self.validName(targetName, for: what)
        guard linkat(directory.descriptor, cTarget, descriptor, cName, 0) == 0 else { throw .last(what) }
    }

    /// Removes `name`, a directory with everything in it (no symlink followed; a mount point
    /// below fails with EBUSY). Nothing there is no error.
    public func remove(named name: [UInt8]) throws(SystemError) {
        let what = operation("remove", name)
        let cName = try Self.validName(name, for: what)
        if unlinkat(descriptor, cName, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR else { throw .last(what) }
        let child = try directory(name)
        for entry in try child.entries() { try child.remove(named: entry) }
        guard unlinkat(descriptor, cName, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw .last(what) }
    }

    /// chown, not following `name` (a symlink's own owner). It clears setuid and setgid, and
    /// file capabilities: set those after.
    public func setOwner(named name: [UInt8]?, uid: UInt32, gid: UInt32) throws(SystemError) {
        guard let name else {
            guard fchown(descriptor, uid, gid) == 0 else { throw .last("chown \(uid):\(gid) \(path)") }
            return
        }
        let what = operation("chown \(uid):\(gid)", name)
        let cName = try Self.validName(name, for: what)
        guard fchownat(descriptor, cName, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else { throw .last(what) }
    }

    /// chmod with setuid, setgid and sticky (`mode & 07777`), not following `name` (a symlink
    /// has no mode of its own: EOPNOTSUPP).
    public func setPermissions(named name: [UInt8]?, _ mode: mode_t) throws(SystemError) {
        let octal = String(mode & 0o7777, radix: 8)
        guard let name else {
            guard fchmod(descriptor, mode & 0o7777) == 0 else { throw .last("chmod \(octal) \(path)") }
            return
        }
        let what = operation("chmod \(octal)", name)
        let cName = try Self.validName(name, for: what)
        guard fchmodat(descriptor, cName, mode & 0o7777, AT_SYMLINK_NOFOLLOW) == 0 else { throw .last(what) }
    }

    /// Access and modification times, not following `name`.
    public func setTimes(named name: [UInt8]?, access: timespec, modification: timespec) throws(SystemError) {
        let times = [access, modification]
        guard let name else {
            guard futimens(descriptor, times) == 0 else { throw .last("set times of \(path)") }
            return
        }
        let what = operation("set times of", name)
        let cName = try Self.validName(name, for: what)
        guard utimensat(descriptor, cName, times, AT_SYMLINK_NOFOLLOW) == 0 else { throw .last(what) }
    }

    /// Sets one extended attribute of `name` (not followed).
    public func setExtendedAttribute(named name: [UInt8]?, key: String, value: [UInt8]) throws(SystemError) {
        let what = name.map { operation("set xattr \(key) on", $0) } ?? "set xattr \(key) on \(path)"
        let cName = try name.map { (name) throws(SystemError) in try Self.validName(name, for: what) }
        let rc = value.withUnsafeBytes { bytes in
            if let cName { return aic_xattr_set(descriptor, cName, key, bytes.baseAddress, bytes.count) }
            return aic_xattr_set(descriptor, nil, key, bytes.baseAddress, bytes.count)
        }
        guard rc == 0 else { throw .errno(-rc, what) }
    }

    /// Every extended attribute of `name` (not followed), by key.
    public func extendedAttributes(named name: [UInt8]?) throws(SystemError) -> [String: [UInt8]] {
        let what = name.map { operation("read xattrs of", $0) } ?? "read xattrs of \(path)"
        let cName = try name.map { (name) throws(SystemError) in try Self.validName(name, for: what) }
        return try Self.extendedAttributes(fd: descriptor, name: cName, operation: what)
    }

    static func validName(_ name: [UInt8], for operation: String) throws(SystemError) -> [CChar] {
        guard !name.isEmpty, !name.contains(0x2F), name != [0x2E], name != [0x2E, 0x2E] else {
            throw SystemError(code: .invalidArgument, errno: EINVAL, operation: operation, detail: "not a single name")
        }
        return try cString(name, for: operation)
    }
}
