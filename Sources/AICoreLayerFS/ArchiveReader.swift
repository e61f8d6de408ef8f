import AICoreErrors
import CAICoreArchive

#if canImport(Glibc)
import Glibc
#endif

/// Reads a tar archive, compressed or not, entry by entry, in one pass: image layers, and the
/// `docker save` / OCI archives that are loaded into the content store. It only reads: nothing
/// is extracted by libarchive (the unpacker makes every change itself, beneath its directory).
///
/// Not thread-safe: one reader is used by one thread at a time.
///
///     let reader = try ArchiveReader(path: path, name: "archive app.tar")
///     while let entry = try reader.next() {
///         if entry.kind == .file { try reader.readChunks { chunk in … } }
///     }
///     let (sha256, bytes) = try reader.finish()   // of the decompressed stream
public final class ArchiveReader {
    private let stream: DecompressedStream
    private let archive: OpaquePointer
    /// The entry whose data is being read: its size and what libarchive has handed out so far.
    private var current: (size: UInt64, delivered: UInt64, sparse: Bool, ended: Bool)?
    /// Of `read(into:)`: the block libarchive handed out that is not all copied yet, and the
    /// logical position in the entry (past holes).
    private var pending: (block: UnsafeRawBufferPointer, offset: UInt64)?
    private var position: UInt64 = 0
    private var atEnd = false

    /// The archive's name in messages, e.g. "layer sha256:ab12…".
    public var name: String { stream.name }

    /// Opens the archive at `path`. `name` says what it is in messages; the path by default.
    public init(path: String, name: String? = nil) throws(AICoreError) {
        let stream = try DecompressedStream(path: path, name: name ?? path)
        guard let archive = archive_read_new() else {
            throw AICoreError(.internalError, "\(stream.name): libarchive could not allocate a reader", context: ["archive": stream.name])
        }
        self.stream = stream
        self.archive = archive
        // All tar dialects: ustar, pax, GNU (long names, sparse), v7.
        archive_read_support_format_tar(archive)
        let client = Unmanaged.passUnretained(stream).toOpaque()
        guard archive_read_open(archive, client, nil, { _, client, buffer in
            guard let client, let buffer else { return -1 }
            return Unmanaged<DecompressedStream>.fromOpaque(client).takeUnretainedValue().nextBlock(buffer)
        }, nil) == ARCHIVE_OK else {
            throw invalid("is not a readable tar archive")
        }
    }

    deinit {
        // The tar handle holds `stream` unretained: it goes first.
        archive_read_free(archive)
    }

    /// The next entry, or nil after the last. What is left of the previous entry's data is read
    /// and dropped.
    public func next() throws(AICoreError) -> ArchiveEntry? {
        if atEnd { return nil }
        if current != nil { try skipData() }
        current = nil
        pending = nil
        position = 0
        var handle: OpaquePointer?
        var rc: Int32
        repeat {
            stream.mayLackFinalPadding = false
            rc = archive_read_next_header(archive, &handle)
        } while rc == ARCHIVE_RETRY
        if rc == ARCHIVE_EOF {
            atEnd = true
            return nil
        }
        // A warning is about a name that does not convert to the locale's charset: the
        // archive's own bytes are kept, which is what is wanted.
        guard rc >= ARCHIVE_WARN, let handle else { throw invalid("is not a readable tar archive") }
        let entry = try Self.entry(handle, archive: name)
        current = (entry.size, 0, entry.isSparse, entry.kind != .file)
        return entry
    }

    /// Copies the current entry's next bytes into `buffer` (holes of a sparse file as zeros);
    /// returns how many, 0 at the end of its content.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(AICoreError) -> Int {
        guard let entry = current, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            if let (block, offset) = pending {
                if position < offset {
                    let count = Int(min(UInt64(buffer.count), offset - position))
                    base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
                    position += UInt64(count)
                    return count
                }
                let start = Int(position - offset)
                if start < block.count, let source = block.baseAddress {
                    let count = min(buffer.count, block.count - start)
                    base.copyMemory(from: source + start, byteCount: count)
                    position += UInt64(count)
                    return count
                }
                pending = nil
            }
            guard let block = try nextBlock() else {
                // A trailing hole: the content runs to the entry's size.
                guard position < entry.size else { return 0 }
                let count = Int(min(UInt64(buffer.count), entry.size - position))
                base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
                position += UInt64(count)
                return count
            }
            pending = block
        }
    }

    /// Hands the current entry's content to `body` in chunks of at most 64 KiB, in order (holes as zeros).
    public func readChunks(_ body: ([UInt8]) throws(AICoreError) -> Void) throws(AICoreError) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try buffer.withUnsafeMutableBytes { raw in Result { () throws(AICoreError) in try read(into: raw) } }.get()
            if n == 0 { return }
            try body(n == buffer.count ? buffer : Array(buffer[0..<n]))
        }
    }

    /// Hands the current entry's data to `body` as libarchive holds it: each block with its
    /// offset in the file, holes left out (for writing a sparse file as one). A block is valid
    /// only during the call.
    func readBlocks(_ body: (UnsafeRawBufferPointer, UInt64) throws(AICoreError) -> Void) throws(AICoreError) {
        while let (block, offset) = try nextBlock() {
            try body(block, offset)
        }
    }

    /// Reads to the end of the decompressed stream (what follows the tar's end marker counts
    /// too) and returns its SHA-256, 64 lowercase hex digits, and its length in bytes. For an
    /// OCI layer, "sha256:" + the digest is its diff ID.
    public func finish() throws(AICoreError) -> (sha256: String, bytes: UInt64) {
        while try next() != nil {}
        return try stream.finish()
    }

    /// The next block of the current entry's data and its offset, nil at the end.
    private func nextBlock() throws(AICoreError) -> (UnsafeRawBufferPointer, UInt64)? {
        guard var entry = current, !entry.ended else { return nil }
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            stream.mayLackFinalPadding = !entry.sparse && entry.delivered >= entry.size
            let rc = archive_read_data_block(archive, &block, &size, &offset)
            stream.mayLackFinalPadding = false
            if rc == ARCHIVE_EOF {
                entry.ended = true
                current = entry
                return nil
            }
            guard rc >= ARCHIVE_WARN else { throw invalid("is not a readable tar archive") }
            guard let block, size > 0 else { continue }
            entry.delivered += UInt64(size)
            current = entry
            return (UnsafeRawBufferPointer(start: block, count: size), UInt64(max(offset, 0)))
        }
    }

    private func skipData() throws(AICoreError) {
        while try nextBlock() != nil {}
    }

    private func invalid(_ what: String) -> AICoreError {
        if stream.failure != nil { return stream.invalid("cannot be decompressed") }
        let detail = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        return AICoreError(.invalidImage, "\(name) \(what): \(detail)", context: ["archive": name])
    }
}
