import AICoreErrors
import CAICoreArchive

#if canImport(Glibc)
import Glibc
#endif

extension ArchiveReader {
    /// Copies what libarchive parsed of one header into a value (libarchive's entry is reused by
    /// the next header).
    static func entry(_ handle: OpaquePointer, archive name: String) throws(AICoreError) -> ArchiveEntry {
        guard let path = bytes(archive_entry_pathname(handle)) ?? bytes(archive_entry_pathname_utf8(handle)) else {
            throw AICoreError(.invalidImage, "\(name) holds an entry whose name cannot be read", context: ["archive": name])
        }
        var linkTarget: [UInt8]?
        let kind: ArchiveEntry.Kind
        if let hardlink = bytes(archive_entry_hardlink(handle)) ?? bytes(archive_entry_hardlink_utf8(handle)) {
            kind = .hardlink
            linkTarget = hardlink
        } else {
            switch archive_entry_filetype(handle) & S_IFMT {
            case S_IFREG: kind = .file
            case S_IFDIR: kind = .directory
            case S_IFLNK:
                kind = .symlink
                linkTarget = bytes(archive_entry_symlink(handle)) ?? bytes(archive_entry_symlink_utf8(handle)) ?? []
            case S_IFCHR: kind = .characterDevice
            case S_IFBLK: kind = .blockDevice
            case S_IFIFO: kind = .fifo
            default: kind = .other
            }
        }
        var attributes: [ArchiveEntry.ExtendedAttribute] = []
        if archive_entry_xattr_reset(handle) > 0 {
            var key: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while archive_entry_xattr_next(handle, &key, &value, &size) == ARCHIVE_OK {
                guard let keyBytes = bytes(key) else { continue }
                let valueBytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                attributes.append(ArchiveEntry.ExtendedAttribute(keyBytes: keyBytes, value: valueBytes))
            }
        }
        let accessTime = archive_entry_atime_is_set(handle) != 0
            ? ArchiveEntry.Time(seconds: Int64(archive_entry_atime(handle)), nanoseconds: Int64(archive_entry_atime_nsec(handle)))
            : nil
        return ArchiveEntry(
            pathBytes: path,
            kind: kind,
            size: UInt64(max(archive_entry_size(handle), 0)),
            linkTargetBytes: linkTarget,
            permissions: UInt32(archive_entry_perm(handle) & 0o7777),
            uid: Int64(archive_entry_uid(handle)),
            gid: Int64(archive_entry_gid(handle)),
            deviceMajor: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(handle)),
            deviceMinor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(handle)),
            modificationTime: ArchiveEntry.Time(seconds: Int64(archive_entry_mtime(handle)), nanoseconds: Int64(archive_entry_mtime_nsec(handle))),
            accessTime: accessTime,
            extendedAttributes: attributes,
            isSparse: archive_entry_sparse_count(handle) > 0
        )
    }

    private static func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let text else { return nil }
        return Array(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    }
}
