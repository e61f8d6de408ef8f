import AICoreErrors
import AICoreSystem

/// Content-addressed blobs (manifests, configs, compressed layers) under one directory:
///
///     <root>/blobs/sha256/<hex>            verified content, read-only
///     <root>/ingest/sha256-<hex>.partial   a download in progress, resumed from its length
///
/// A blob enters `blobs/` only by a rename after its bytes hashed to its name, so whatever is
/// there is what its digest says. Blocking: callers run it off the cooperative pool.
public struct ContentStore: Sendable {
    public let root: String

    public init(root: String) throws(AICoreError) {
        self.root = root
        do {
            for directory in ["\(root)/blobs/sha256", "\(root)/blobs/sha512", "\(root)/ingest"] {
                try FileIO.makeDirectories(directory, mode: 0o700)
            }
        } catch {
            throw AICoreError(.systemCall, "cannot make the image content store in \(root): \(error)", cause: error)
        }
    }

    /// Where `digest`'s content is (or would be) kept. Safe as a path: a `Digest` holds only
    /// validated hex.
    public func path(of digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
    }

    /// Where a download of `digest` collects its bytes until they are verified.
    public func partialPath(of digest: Digest) -> String {
        "\(root)/ingest/\(digest.algorithm.rawValue)-\(digest.hex).partial"
    }

    public func contains(_ digest: Digest) -> Bool {
        FileIO.exists(path(of: digest))
    }

    /// Stores small content held in memory (a manifest, a config) after checking it hashes to
    /// `digest`; a mismatch stores nothing.
    public func write(_ bytes: [UInt8], as digest: Digest) throws(AICoreError) {
        let actual = Self.hash(bytes, like: digest)
        guard actual == digest else {
            throw AICoreError(.digestMismatch, "content expected to be \(digest) hashes to \(actual); nothing was stored")
        }
        if contains(digest) { return }
        do {
            try FileIO.writeDurably(path(of: digest), bytes, mode: 0o400)
        } catch {
            throw AICoreError(.systemCall, "cannot store \(digest): \(error)", cause: error)
        }
    }

    /// Moves a finished download into the store once its size and hash are checked; a file that
    /// does not match is deleted and nothing is stored.
    public func commit(partial: String, as digest: Digest, size: Int64) throws(AICoreError) {
        let actual: (digest: Digest, size: UInt64)
        do {
            actual = try Self.hashFile(partial, like: digest)
        } catch {
            throw AICoreError(.systemCall, "cannot read the download of \(digest): \(error)", cause: error)
        }
        guard actual.digest == digest, actual.size == UInt64(max(size, 0)) else {
            try? FileIO.removeFile(partial)
            throw AICoreError(
                .digestMismatch,
                "blob \(digest) arrived as \(actual.size) bytes hashing to \(actual.digest) (expected \(size) bytes); it was discarded"
            )
        }
        do {
            try FileIO.setMode(partial, 0o400)
            try FileIO.sync(partial)
            try FileIO.rename(partial, to: path(of: digest))
        } catch {
            throw AICoreError(.systemCall, "cannot store \(digest): \(error)", cause: error)
        }
    }

    /// Reads a stored blob of at most `limit` bytes, checking its hash again: a config or a
    /// manifest is small, and the check catches a disk that changed it.
    public func read(_ digest: Digest, limit: Int = 4 << 20) throws(AICoreError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            guard let size = try FileIO.size(of: path(of: digest)) else {
                throw AICoreError(.notFound, "\(digest) is not in the content store")
            }
            guard size <= UInt64(limit) else {
                throw AICoreError(.invalidImage, "\(digest) is \(size) bytes, more than the \(limit) allowed for it")
            }
            bytes = try FileIO.read(path(of: digest), followSymlinks: false)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.systemCall, "cannot read \(digest): \(error)", cause: error)
        }
        let actual = Self.hash(bytes, like: digest)
        guard actual == digest else {
            throw AICoreError(.digestMismatch, "the stored \(digest) now hashes to \(actual); pull the image again")
        }
        return bytes
    }

    public func remove(_ digest: Digest) throws(AICoreError) {
        do { try FileIO.removeFile(path(of: digest)) } catch {
            throw AICoreError(.systemCall, "cannot remove \(digest): \(error)", cause: error)
        }
    }

    /// Every stored blob with its size.
    public func blobs() throws(AICoreError) -> [(digest: Digest, size: UInt64)] {
        var found: [(Digest, UInt64)] = []
        for algorithm in [Digest.Algorithm.sha256, .sha512] {
            let directory = "\(root)/blobs/\(algorithm.rawValue)"
            let names: [String]
            do { names = try FileIO.entries(of: directory) } catch {
                throw AICoreError(.systemCall, "cannot list \(directory): \(error)", cause: error)
            }
            for name in names {
                // Anything not named by a valid digest is not ours (a stray temporary file).
                guard let digest = try? Digest(parsing: "\(algorithm.rawValue):\(name)") else { continue }
                found.append((digest, (try? FileIO.size(of: "\(directory)/\(name)")).flatMap { $0 } ?? 0))
            }
        }
        return found
    }

    /// Downloads in progress or abandoned, with their sizes.
    public func partials() throws(AICoreError) -> [(path: String, size: UInt64)] {
        do {
            return try FileIO.entries(of: "\(root)/ingest").map { name in
                let path = "\(root)/ingest/\(name)"
                return (path, (try? FileIO.size(of: path)).flatMap { $0 } ?? 0)
            }
        } catch {
            throw AICoreError(.systemCall, "cannot list \(root)/ingest: \(error)", cause: error)
        }
    }

    static func hash(_ bytes: [UInt8], like digest: Digest) -> Digest {
        var hasher = DigestHasher(algorithm: digest.algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }

    static func hashFile(_ path: String, like digest: Digest) throws -> (digest: Digest, size: UInt64) {
        var hasher = DigestHasher(algorithm: digest.algorithm)
        try FileIO.forEachChunk(of: path) { hasher.update($0) }
        return (hasher.finalize(), hasher.count)
    }
}
