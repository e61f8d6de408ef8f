import AICoreErrors
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFileSystem
import NIOHTTP1

extension RegistryClient {
    /// Where a blob's bytes come from.
    enum BlobSource: Sendable {
        /// The repository's `/v2/…/blobs/<digest>`, authenticated as the registry asks.
        case registry
        /// A foreign layer's URL, fetched without any credentials.
        case url(URL)
    }

    /// Received bytes are written in pieces of about this size: fewer trips to the file
    /// system's threads than one per network read.
    static let writeSize = 1 << 20

    /// Streams the blob `descriptor` names to `partialPath` while hashing it, and returns once
    /// the file holds exactly the descriptor's bytes; the caller renames it into place.
    ///
    /// - An existing `partialPath` is an earlier attempt: its bytes are hashed and only the rest
    ///   is requested (`Range: bytes=N-`). A server that answers 200 instead sends it all again,
    ///   and a 416 starts over from nothing.
    /// - A connection that breaks or stalls (`Options.stallTimeout`) is retried, resuming, with
    ///   backoff; so is a 5xx. A 429 fails at once as `.rateLimited`.
    /// - Content of another size or digest is deleted and fails as `.digestMismatch`.
    /// - A foreign layer with `urls` is fetched from them first, never with credentials
    ///   (CVE-2020-15157), then from the registry.
    /// - `progress` gets (bytes so far, total) as bytes arrive.
    public nonisolated func fetchBlob(
        _ reference: ImageReference, _ descriptor: Descriptor, to partialPath: String,
        progress: @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws(AICoreError) {
        try RegistryClient.checkBlobType(descriptor)
        guard descriptor.size >= 0 else {
            throw AICoreError(.invalidImage, "blob \(descriptor.digest) of \(reference.name) has a negative size in its manifest; the image is malformed")
        }
        var sources: [BlobSource] = []
        if MediaType.isForeignLayer(descriptor.mediaType) {
            for text in descriptor.urls ?? [] {
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false,
                      scheme == "https" || (scheme == "http" && configuration.allowsPlainHTTP(host: RegistryClient.hostPort(of: url)))
                else {
                    logger.warning("skipping a foreign layer URL that is not https (nor http to an insecure registry)", metadata: ["url": "\(text)", "digest": "\(descriptor.digest)"])
                    continue
                }
                sources.append(.url(url))
            }
        }
        sources.append(.registry)
        var lastError: AICoreError?
        for source in sources {
            do throws(AICoreError) {
                try await download(reference, descriptor, to: partialPath, from: source, progress: progress)
                return
            } catch {
                lastError = error
                guard case .url(let url) = source, error.code != .cancelled else { throw error }
                logger.warning("a foreign layer's URL failed; trying the next source", metadata: ["url": "\(url.absoluteString)", "error": "\(error.message)"])
            }
        }
        throw lastError ?? AICoreError(.internalError, "fetching blob \(descriptor.digest): no source to fetch it from")
    }

    /// One source, to the end: the file is removed if what arrived is not the blob.
    nonisolated func download(
        _ reference: ImageReference, _ descriptor: Descriptor, to partialPath: String, from source: BlobSource,
        progress: @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) {
        var what = "fetching blob \(descriptor.digest) of \(reference.name)"
        if case .url(let url) = source { what += " from \(RegistryClient.hostPort(of: url))" }
        let outcome: Result<Digest, AICoreError>
        do {
            outcome = try await FileSystem.shared.withFileHandle(
                forReadingAndWritingAt: FilePath(partialPath), options: .modifyFile(createIfNecessary: true)
            ) { handle in
                do throws(AICoreError) {
                    return .success(try await self.stream(reference, descriptor, from: source, into: handle, path: partialPath, what: what, progress: progress))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw AICoreError(.systemCall, "\(what): cannot open \(partialPath) (\(error)); check the directory's permissions and free space", cause: error)
        }
        do throws(AICoreError) {
            let digest = try outcome.get()
            guard digest == descriptor.digest else {
                throw AICoreError(.digestMismatch, "\(what): the \(descriptor.size) bytes received hash to \(digest), not \(descriptor.digest); the download was discarded, pull again (if it recurs, the source or a proxy is corrupting content)")
            }
        } catch {
            if error.code == .digestMismatch { await removePartial(partialPath) }
            throw error
        }
    }

    /// Fills the file: resumes what it holds, retries what fails, and returns the digest of
    /// the file's `descriptor.size` bytes.
    nonisolated func stream(
        _ reference: ImageReference, _ descriptor: Descriptor, from source: BlobSource, into handle: ReadWriteFileHandle,
        path: String, what: String, progress: @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) -> Digest {
        let size = descriptor.size
        var hasher = DigestHasher(algorithm: descriptor.digest.algorithm)
        var offset = try await fileIO(what, path) { try await handle.info().size }
        /// Drops what the file holds: the next bytes written are the blob's first.
        func startOver() async throws(AICoreError) {
            try await truncate(handle, what: what, path: path)
            hasher = DigestHasher(algorithm: descriptor.digest.algorithm)
            offset = 0
        }
        if offset > size {
            try await startOver()
        }
        if offset > 0 {
            try await fileIO(what, path) {
                for try await chunk in handle.readChunks(in: 0..<offset, chunkLength: .mebibytes(1)) {
                    chunk.withUnsafeReadableBytes { hasher.update($0) }
                }
            }
            if hasher.count != UInt64(offset) {
                // The file changed while it was read: trust none of it.
                try await startOver()
            } else {
                logger.info("resuming a blob download", metadata: ["digest": "\(descriptor.digest)", "have": "\(offset)", "size": "\(size)"])
                progress(UInt64(offset), UInt64(size))
            }
        }
        if offset == size {
            let digest = hasher.finalize()
            if digest == descriptor.digest || size == 0 { return digest }
            // A complete leftover that is not the blob: fetch it all again.
            try await startOver()
        }
        var failures = 0
        var restarted = false
        while offset < size {
            let before = offset
            do throws(AICoreError) {
                let (response, host) = try await open(source, reference, descriptor, from: offset, what: what)
                switch response.status.code {
                case 206:
                    guard RegistryClient.contentRangeStart(response.headers) == offset else {
                        // Not the range asked for: take nothing from it and start over.
                        await RegistryClient.drain(response, upTo: 0)
                        guard !restarted else {
                            throw AICoreError(.protocolViolation, "\(what): \(host) answered a range request with another range; pull again")
                        }
                        restarted = true
                        try await startOver()
                        continue
                    }
                case 200:
                    if offset > 0 {
                        logger.info("the server sent the whole blob instead of the range; starting over", metadata: ["digest": "\(descriptor.digest)", "host": "\(host)"])
                        try await startOver()
                    }
                case 416 where offset > 0 && !restarted:
                    // What the file holds does not fit the blob the server has: start over.
                    await RegistryClient.drain(response)
                    restarted = true
                    try await startOver()
                    continue
                case 404:
                    await RegistryClient.drain(response)
                    throw AICoreError(.notFound, "\(what): \(host) does not have it (HTTP 404); the image may be incomplete in the registry, re-push it", context: ["status": "404"])
                default:
                    throw await statusError(response, what: what, host: host)
                }
                try await receive(response.body, into: handle, hasher: &hasher, offset: &offset, size: size, path: path, what: what, host: host, progress: progress)
                if offset < size {
                    throw AICoreError(.protocolViolation, "\(what): \(host) ended the blob after \(offset) of \(size) bytes; it is resumed")
                }
            } catch {
                guard RegistryClient.isRetryable(error) else { throw error }
                // A try that brought bytes starts the count again: a long blob on a flaky link
                // gets there, while a server that sends nothing fails after `maxAttempts`.
                failures = offset > before ? 1 : failures + 1
                guard failures < options.maxAttempts else { throw error }
                try await backOff(after: failures, what: what, error: error)
            }
        }
        return hasher.finalize()
    }

    /// Writes a response body at `offset`, hashing as it goes. Bytes that arrived before the
    /// stream broke are written too: the next try resumes after them.
    nonisolated func receive(
        _ body: HTTPClientResponse.Body, into handle: ReadWriteFileHandle, hasher: inout DigestHasher, offset: inout Int64,
        size: Int64, path: String, what: String, host: String, progress: @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) {
        var pending = ByteBuffer()
        var pendingStart = offset
        var failure: AICoreError?
        do {
            for try await chunk in body {
                guard offset + Int64(chunk.readableBytes) <= size else {
                    failure = AICoreError(.digestMismatch, "\(what): \(host) sent more than the \(size) bytes the descriptor says; the download was discarded, and the image may be corrupt in the registry")
                    break
                }
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                pending.writeImmutableBuffer(chunk)
                offset += Int64(chunk.readableBytes)
                progress(UInt64(offset), UInt64(size))
                if pending.readableBytes >= RegistryClient.writeSize {
                    try await write(pending, to: handle, at: pendingStart, what: what, path: path)
                    pendingStart = offset
                    pending.clear()
                }
            }
        } catch let error as AICoreError {
            failure = error
        } catch {
            failure = transportError(error, what: what, host: host)
        }
        if pending.readableBytes > 0, failure?.code != .digestMismatch {
            try await write(pending, to: handle, at: pendingStart, what: what, path: path)
        }
        if let failure { throw failure }
    }

    /// The response for the blob from `offset` on.
    nonisolated func open(
        _ source: BlobSource, _ reference: ImageReference, _ descriptor: Descriptor, from offset: Int64, what: String
    ) async throws(AICoreError) -> (HTTPClientResponse, String) {
        var headers = HTTPHeaders()
        if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
        switch source {
        case .registry:
            let request = RegistryRequest(
                method: .GET, path: "/v2/\(reference.repository)/blobs/\(descriptor.digest)", headers: headers,
                registry: reference.registry, repository: reference.repository, what: what
            )
            let answer = try await send(request)
            return (answer.response, answer.endpoint.host)
        case .url(let url):
            // Whoever the manifest names gets no credentials of ours (CVE-2020-15157).
            let followed = try await followingRedirects(.GET, url, headers: headers, what: what)
            return (followed.response, RegistryClient.hostPort(of: url))
        }
    }

    /// Configs and the layers this node applies; anything else (an encrypted layer, an
    /// artifact's blob) is refused before a byte is fetched.
    static func checkBlobType(_ descriptor: Descriptor) throws(AICoreError) {
        let type = descriptor.mediaType
        if MediaType.isConfig(type) || MediaType.layerCompression(type) != nil { return }
        let why = type.contains("+encrypted") ? "encrypted layers are not supported" : "it is not a layer or config aicore-node can use"
        throw AICoreError(.unsupportedMediaType, "blob \(descriptor.digest) is of type \(type): \(why)")
    }

    /// The first byte of a `Content-Range: bytes FIRST-LAST/TOTAL` answer.
    static func contentRangeStart(_ headers: HTTPHeaders) -> Int64? {
        guard let value = headers.first(name: "Content-Range")?.trimmingCharacters(in: .whitespaces).lowercased(),
              value.hasPrefix("bytes ")
        else { return nil }
        let range = value.dropFirst("bytes ".count)
        guard let dash = range.firstIndex(of: "-") else { return nil }
        return Int64(range[..<dash].trimmingCharacters(in: .whitespaces))
    }

    nonisolated func write(_ buffer: ByteBuffer, to handle: ReadWriteFileHandle, at offset: Int64, what: String, path: String) async throws(AICoreError) {
        try await fileIO(what, path) { _ = try await handle.write(contentsOf: buffer, toAbsoluteOffset: offset) }
    }

    nonisolated func truncate(_ handle: ReadWriteFileHandle, what: String, path: String) async throws(AICoreError) {
        try await fileIO(what, path) { try await handle.resize(to: .bytes(0)) }
    }

    nonisolated func fileIO<T>(_ what: String, _ path: String, _ body: () async throws -> T) async throws(AICoreError) -> T {
        do {
            return try await body()
        } catch {
            throw AICoreError(.systemCall, "\(what): the file \(path) could not be read or written (\(error)); check free space and permissions", cause: error)
        }
    }

    /// A partial file that is not the blob must not be resumed.
    nonisolated func removePartial(_ path: String) async {
        do {
            try await FileSystem.shared.removeItem(at: FilePath(path), recursively: false)
        } catch {
            logger.error("cannot remove a discarded partial download; remove it by hand", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
