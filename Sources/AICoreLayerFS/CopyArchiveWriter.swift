import AICoreErrors
import AICoreSystem
import CAICoreArchive

#if canImport(Glibc)
import Glibc
#endif

/// Writes one file or tree as a tar (pax) to a descriptor, as `cp` moves it: out of an instance
/// (the agent, beneath the instance's root) or out of the host (the CLI, for a copy in).
///
/// The path named is resolved once, inside `root` (`RootedDirectory.open(inRoot:)`: the
/// instance's own symlinks are followed, and kept inside its root); below it nothing is
/// followed: each entry is opened by single name with `O_PATH | O_NOFOLLOW` from its
/// directory's descriptor, a symlink is written as a symlink, and a file's content is read from
/// the very inode that was looked at. Regular files, directories and symlinks are written;
/// device nodes, fifos and sockets are left out (counted), as nothing on the other side may
/// make them from a copy. libarchive's writer does the format (long names, large sizes).
public final class CopyArchiveWriter {
    private let archive: OpaquePointer
    /// Entries left out (device nodes, fifos, sockets).
    public private(set) var skipped = 0

    /// A writer onto `descriptor`, which stays the caller's.
    public init(descriptor: Int32) throws(AICoreError) {
        guard let archive = archive_write_new() else {
            throw AICoreError(.internalError, "libarchive could not allocate a writer")
        }
        self.archive = archive
        guard archive_write_set_format_pax_restricted(archive) == ARCHIVE_OK,
              archive_write_open_fd(archive, descriptor) == ARCHIVE_OK else {
            // deinit frees the writer: the object is whole by now.
            let message = Self.message(archive)
            throw AICoreError(.internalError, "cannot start a tar archive: \(message)")
        }
    }

    deinit {
        archive_write_free(archive)
    }

    /// Writes what `path` names inside `root`, under the archive name `name` (a single
    /// component: the copy's own name on the other side), and everything below it.
    /// `followingFinalSymlink`: a symlink at `path` itself stands for what it points to (`-L`).
    /// `.notFound` when nothing is there.
    public func add(_ path: [UInt8], in root: RootedDirectory, as name: [UInt8],
                             followingFinalSymlink: Bool) throws(AICoreError) {
        let shown = String(decoding: path, as: UTF8.self)
        let handle: Int32
        do {
            handle = try root.open(inRoot: path, flags: RootedDirectory.pathOnly, followingFinalSymlink: followingFinalSymlink)
        } catch where error.errno == ENOENT || error.errno == ENOTDIR {
            throw AICoreError(.notFound, "no such file or directory: \(shown)")
        } catch {
            throw AICoreError(.internalError, "cannot open \(shown): \(error)", cause: error)
        }
        defer { close(handle) }
        try add(handle: handle, archiveName: name, shown: shown)
    }

    /// Ends the archive (its two zero blocks).
    public func finish() throws(AICoreError) {
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw AICoreError(.internalError, "cannot end the tar archive: \(Self.message(archive))")
        }
    }

    // MARK: Entries

    private func add(handle: Int32, archiveName: [UInt8], shown: String) throws(AICoreError) {
        let status: FileStatus
        do {
            status = try RootedDirectory.status(of: handle, path: shown)
        } catch {
            throw AICoreError(.internalError, "cannot stat \(shown): \(error)", cause: error)
        }
        switch status.kind {
        case .regular:
            let fd: Int32
            do {
                fd = try RootedDirectory.reopenFile(handle, path: shown)
            } catch {
                throw AICoreError(.internalError, "cannot read \(shown): \(error)", cause: error)
            }
            defer { close(fd) }
            try header(archiveName, status, link: nil, shown: shown)
            try content(fd, size: status.size, shown: shown)
        case .directory:
            let directory: RootedDirectory
            let names: [[UInt8]]
            do {
                directory = try RootedDirectory.reopenDirectory(handle, path: shown)
                names = try directory.entries().sorted { $0.lexicographicallyPrecedes($1) }
            } catch {
                throw AICoreError(.internalError, "cannot list \(shown): \(error)", cause: error)
            }
            try header(archiveName + [UInt8(ascii: "/")], status, link: nil, shown: shown)
            for name in names {
                let childShown = shown + "/" + String(decoding: name, as: UTF8.self)
                let child: Int32
                do {
                    child = try directory.open(name, flags: RootedDirectory.pathOnly | O_NOFOLLOW)
                } catch where error.errno == ENOENT {
                    continue  // Gone since the listing: the instance changes its files as it likes.
                } catch {
                    throw AICoreError(.internalError, "cannot open \(childShown): \(error)", cause: error)
                }
                defer { close(child) }
                try add(handle: child, archiveName: archiveName + [UInt8(ascii: "/")] + name, shown: childShown)
            }
        case .symbolicLink:
            let target: [UInt8]
            do {
                target = try RootedDirectory.linkTarget(handle, path: shown)
            } catch {
                throw AICoreError(.internalError, "cannot read the link \(shown): \(error)", cause: error)
            }
            try header(archiveName, status, link: target, shown: shown)
        case .characterDevice, .blockDevice, .fifo, .socket:
            skipped += 1
        }
    }

    private func header(_ name: [UInt8], _ status: FileStatus, link: [UInt8]?, shown: String) throws(AICoreError) {
        guard let entry = archive_entry_new() else { throw AICoreError(.internalError, "libarchive could not allocate an entry") }
        defer { archive_entry_free(entry) }
        (name.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { archive_entry_copy_pathname(entry, $0.baseAddress) }
        archive_entry_set_mode(entry, status.kind.typeBits | mode_t(status.permissions))
        archive_entry_set_uid(entry, Int64(status.uid))
        archive_entry_set_gid(entry, Int64(status.gid))
        archive_entry_set_mtime(entry, time_t(status.modificationSeconds), Int(status.modificationNanoseconds))
        archive_entry_set_size(entry, status.kind == .regular ? Int64(status.size) : 0)
        if let link {
            (link.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { archive_entry_copy_symlink(entry, $0.baseAddress) }
        }
        guard archive_write_header(archive, entry) >= ARCHIVE_WARN else {
            throw AICoreError(.internalError, "cannot write the tar header of \(shown): \(Self.message(archive))")
        }
    }

    /// The file's content, exactly the size its header announced: a file that shrank since is
    /// padded with zeros, one that grew is cut, so the archive stays well-formed.
    private func content(_ fd: Int32, size: UInt64, shown: String) throws(AICoreError) {
        var left = size
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while left > 0 {
            let want = Int(min(UInt64(buffer.count), left))
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AICoreError(.internalError, "cannot read \(shown): \(String(cString: strerror(errno)))")
            }
            let count = n == 0 ? want : n
            if n == 0 { for index in 0..<count { buffer[index] = 0 } }
            let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, count) }
            guard written == count else {
                throw AICoreError(.internalError, "cannot write \(shown) to the archive: \(Self.message(archive))")
            }
            left -= UInt64(count)
        }
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
