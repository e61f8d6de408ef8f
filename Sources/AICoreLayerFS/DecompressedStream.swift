import AICoreErrors
import AICoreSystem
import CAICoreArchive
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// The first of an `ArchiveReader`'s two libarchive handles: the file, decompressed (gzip, zstd,
/// xz, bzip2 or none, as libarchive detects) by the "raw" format, which hands on the bytes as
/// they are. The tar handle reads its input from here (`nextBlock`), so the archive is
/// decompressed once, and every byte is hashed on its way: the SHA-256 of the decompressed
/// stream is an OCI layer's diff ID.
final class DecompressedStream {
    private let archive: OpaquePointer
    private let fd: Int32
    /// The archive's name in messages ("layer sha256:…").
    let name: String
    private var hasher = SHA256()
    private(set) var bytes: UInt64 = 0
    private var ended = false
    /// libarchive's message when decompressing failed (a truncated gzip, a bad zstd frame).
    private(set) var failure: String?

    /// Set by the reader while nothing but the padding after an entry's last data byte can be
    /// missing. Go's tar reader (so Docker, containerd and umoci) ends cleanly at an EOF there,
    /// and umoci writes such layers; libarchive would call them truncated. Only then are the
    /// missing zeros supplied, never hashed or counted: a stream cut inside data or a header still
    /// fails.
    var mayLackFinalPadding = false
    private var synthesizedPadding = false
    private let zeros: UnsafeMutableRawPointer

    init(path: String, name: String) throws(AICoreError) {
        self.name = name
        let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            let error = SystemError.last("open \(path)")
            throw AICoreError(.systemCall, "\(name): \(error)", cause: error, context: ["archive": name])
        }
        guard let archive = archive_read_new() else {
            close(opened)
            throw AICoreError(.internalError, "\(name): libarchive could not allocate a reader", context: ["archive": name])
        }
        self.fd = opened
        self.archive = archive
        self.zeros = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        // Registered one by one rather than with _all, whose lrzip, lzop and grzip filters run
        // external programs; Debian's libarchive links zlib, libzstd, liblzma and libbz2, so
        // these four never do.
        archive_read_support_filter_gzip(archive)
        archive_read_support_filter_zstd(archive)
        archive_read_support_filter_xz(archive)
        archive_read_support_filter_bzip2(archive)
        archive_read_support_format_raw(archive)
        guard archive_read_open_fd(archive, opened, 128 * 1024) == ARCHIVE_OK else {
            throw invalid("cannot be opened")
        }
        var entry: OpaquePointer?
        let header = archive_read_next_header(archive, &entry)
        if header == ARCHIVE_EOF {
            ended = true
        } else if header < ARCHIVE_WARN {
            throw invalid("cannot be decompressed")
        }
    }

    deinit {
        archive_read_free(archive)
        close(fd)
        zeros.deallocate()
    }

    /// The next decompressed bytes, for libarchive's read callback: their count (0 at the end,
    /// -1 on failure, with `failure` set), `buffer` pointed at them until the next call.
    func nextBlock(_ buffer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        while !ended {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let rc = archive_read_data_block(archive, &block, &size, &offset)
            if rc == ARCHIVE_EOF {
                ended = true
                break
            }
            guard rc >= ARCHIVE_WARN else {
                failure = errorText()
                return -1
            }
            guard let block, size > 0 else { continue }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: block, count: size))
            bytes += UInt64(size)
            buffer.pointee = block
            return size
        }
        let partial = Int(bytes % 512)
        if mayLackFinalPadding, partial != 0, !synthesizedPadding {
            synthesizedPadding = true
            buffer.pointee = UnsafeRawPointer(zeros)
            return 512 - partial
        }
        return 0
    }

    /// Reads what the tar handle left (the zero blocks after the end-of-archive marker count in
    /// the diff ID) and returns the digest and length of the whole decompressed stream.
    func finish() throws(AICoreError) -> (sha256: String, bytes: UInt64) {
        var ignored: UnsafeRawPointer?
        while true {
            let n = nextBlock(&ignored)
            if n == 0 { break }
            if n < 0 { throw invalid("cannot be decompressed") }
        }
        let digest = hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return (digest, bytes)
    }

    func invalid(_ what: String) -> AICoreError {
        let detail = failure ?? errorText()
        return AICoreError(.invalidImage, "\(name) \(what): \(detail)", context: ["archive": name])
    }

    private func errorText() -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
