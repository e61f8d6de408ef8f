#if canImport(Glibc)
import Glibc
#endif

/// A file open for reading from start to end, a piece at a time, closed when the last reference
/// goes: a reader abandoned halfway (a client that went away) leaves no descriptor behind.
/// Blocking: callers read off the cooperative pool.
public final class FileReader: Sendable {
    public let path: String
    /// The size when it was opened.
    public let size: UInt64
    private let fd: Int32

    /// Opens `path`, refusing a final symlink (ELOOP).
    public init(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .last("open \(path)") }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = SystemError.last("stat \(path)")
            close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
        size = UInt64(status.st_size)
    }

    deinit { close(fd) }

    /// The next `count` bytes, fewer only where the file ends (none at its end).
    public func read(_ count: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + filled, count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("read \(path)")
            }
            if n == 0 { break }
            filled += n
        }
        if filled < count { bytes.removeSubrange(filled...) }
        return bytes
    }
}
