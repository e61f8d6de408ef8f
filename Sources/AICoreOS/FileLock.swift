#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

/// An exclusive advisory lock on a file (flock), held until `release` or process exit: one
/// agent per state directory, whatever the socket path.
public final class FileLock: Sendable {
    public let path: String
    private let fd: Int32

    /// Takes the lock without waiting; EWOULDBLOCK means another process holds it.
    public init(path: String) throws(SystemError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .last("open \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let saved = errno
            close(fd)
            throw .errno(saved, "lock \(path)")
        }
        self.path = path
        self.fd = fd
    }

    public func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension FileIO {
    /// Gives `path` to group `gid`, keeping its owner.
    public static func setGroup(_ path: String, gid: UInt32) throws(SystemError) {
        if chown(path, UInt32.max, gid) != 0 { throw .last("chgrp \(gid) \(path)") }
    }

    /// The gid of a group in /etc/group, or nil when there is no such group.
    public static func groupID(named name: String, groupFile: String = "/etc/group") -> UInt32? {
        guard let text = try? readString(groupFile) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 3, fields[0] == name, let gid = UInt32(fields[2]) { return gid }
        }
        return nil
    }
}
