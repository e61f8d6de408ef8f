import AICoreErrors
import AICoreSystem

/// The bytes of an `ImageArchiveWriter`'s tar, a chunk per `next()`: a member's header, then its
/// content at most `chunkSize` at a time, then the end blocks. Each chunk is read and hashed off
/// the cooperative pool only when asked for, so a slow reader of the archive slows the reading
/// of the store. After an error it ends: an archive is never continued past a failed blob.
public struct ImageArchiveChunks: AsyncIteratorProtocol {
    let members: [ImageArchiveWriter.Member]
    let chunkSize: Int
    private var position = 0
    private var blob: OpenBlob?
    private var ended = false
    private var failed = false

    /// The blob being written: how much of it is still to come, and the hash of what went.
    private struct OpenBlob {
        var file: FileReader
        var descriptor: Descriptor
        var remaining: Int64
        var hasher: DigestHasher
    }

    init(members: [ImageArchiveWriter.Member], chunkSize: Int) {
        self.members = members
        self.chunkSize = chunkSize
    }

    public mutating func next() async throws -> [UInt8]? {
        guard !failed else { return nil }
        do {
            return try await step()
        } catch {
            failed = true
            blob = nil
            throw error
        }
    }

    private mutating func step() async throws -> [UInt8]? {
        if let open = blob { return try await continueBlob(open) }
        guard position < members.count else {
            if ended { return nil }
            ended = true
            return TarHeader.end
        }
        let member = members[position]
        position += 1
        switch member.content {
        case .directory:
            return TarHeader.make(member.name, kind: .directory)
        case .bytes(let bytes):
            return TarHeader.make(member.name, kind: .file, size: UInt64(bytes.count)) + bytes + TarHeader.padding(UInt64(bytes.count))
        case .blob(let descriptor, let path):
            let file = try await Self.open(path, descriptor)
            let open = OpenBlob(file: file, descriptor: descriptor, remaining: descriptor.size,
                                hasher: DigestHasher(algorithm: descriptor.digest.algorithm))
            let header = TarHeader.make(member.name, kind: .file, size: UInt64(max(descriptor.size, 0)))
            if descriptor.size == 0 {
                try Self.verify(open)
                return header
            }
            blob = open
            return header
        }
    }

    /// The blob's next chunk; its last one only once the whole blob hashed to its digest.
    private mutating func continueBlob(_ open: OpenBlob) async throws -> [UInt8] {
        var open = open
        let wanted = Int(min(Int64(chunkSize), open.remaining))
        let (file, hasher, digest) = (open.file, open.hasher, open.descriptor.digest)
        let (bytes, hashed) = try await ImageService.blocking {
            let bytes: [UInt8]
            do { bytes = try file.read(wanted) } catch {
                throw AICoreError(.systemCall, "cannot read the stored \(digest): \(error)", cause: error)
            }
            var hasher = hasher
            hasher.update(bytes)
            return (bytes, hasher)
        }
        guard bytes.count == wanted else {
            throw AICoreError(.corrupt, "the stored \(open.descriptor.digest) ended \(open.remaining - Int64(bytes.count)) bytes short of its \(open.descriptor.size); pull the image again")
        }
        open.hasher = hashed
        open.remaining -= Int64(wanted)
        guard open.remaining == 0 else {
            blob = open
            return bytes
        }
        blob = nil
        try Self.verify(open)
        return bytes + TarHeader.padding(UInt64(open.descriptor.size))
    }

    /// Opens a stored blob, refusing one that is gone or no longer its recorded size.
    private static func open(_ path: String, _ descriptor: Descriptor) async throws(AICoreError) -> FileReader {
        try await ImageService.blocking {
            let file: FileReader
            do { file = try FileReader(path) } catch {
                throw AICoreError(.corrupt, "the content store lost \(descriptor.digest) (\(error)); pull the image again", cause: error)
            }
            guard file.size == UInt64(max(descriptor.size, 0)) else {
                throw AICoreError(.corrupt, "the stored \(descriptor.digest) is \(file.size) bytes, not the \(descriptor.size) it was stored as; pull the image again")
            }
            return file
        }
    }

    private static func verify(_ open: OpenBlob) throws(AICoreError) {
        let actual = open.hasher.finalize()
        guard actual == open.descriptor.digest else {
            throw AICoreError(.digestMismatch, "the stored \(open.descriptor.digest) now hashes to \(actual), so the archive was not finished; pull the image again")
        }
    }
}
