import AICoreErrors
import AICoreSystem
import Foundation
import Logging

/// The node's images: pulls and loads them into the content store, unpacks their layers once,
/// and keeps the catalog of names. One actor, so two pulls that share a blob or a layer fetch
/// and unpack it once, and the catalog has one writer. Everything that blocks (hashing, writing,
/// unpacking) runs on `BlockingWork`'s threads, never on the cooperative pool.
public actor ImageService {
    public nonisolated let root: String
    public nonisolated let platform: Platform
    /// Where `pull(_:)` without a source pulls from: the node's registries.
    public nonisolated let registry: (any ImageSource)?
    nonisolated let content: ContentStore
    public nonisolated let layerStore: LayerStore
    nonisolated let catalog: ImageCatalog
    let logger: Logger
    let maxConcurrentDownloads: Int

    private var records: [String: ImageRecord]
    /// Catalog changes, one at a time.
    private let catalogChanges = SerialSection()
    private var blobFetches: [Digest: Task<Void, any Error>] = [:]
    private var unpacks: [Digest: Task<Void, any Error>] = [:]
    private var activePulls = 0

    /// Manifests and indexes larger than this are refused (a registry cannot make us hold more).
    public static let manifestLimit = 4 << 20
    /// Configs are JSON too, but carry history: allow more, still bounded.
    public static let configLimit = 8 << 20

    /// Opens (making it if needed) the image store at `root`. Blocking (directories, the
    /// catalog): the agent calls it at startup; async callers use `open`.
    public init(root: String, platform: Platform = .host, maxConcurrentDownloads: Int = 3,
                registry: (any ImageSource)? = nil, logger: Logger) throws(AICoreError) {
        self.root = root
        self.registry = registry
        self.platform = platform.normalized
        self.maxConcurrentDownloads = max(1, maxConcurrentDownloads)
        self.logger = logger
        content = try ContentStore(root: "\(root)/content")
        layerStore = try LayerStore(root: "\(root)/layers")
        catalog = ImageCatalog(path: "\(root)/images.json")
        records = try catalog.load()
    }

    /// `init` off the cooperative pool.
    public static func open(root: String, platform: Platform = .host, maxConcurrentDownloads: Int = 3,
                            registry: (any ImageSource)? = nil, logger: Logger) async throws(AICoreError) -> ImageService {
        try await blocking {
            try ImageService(root: root, platform: platform, maxConcurrentDownloads: maxConcurrentDownloads, registry: registry, logger: logger)
        }
    }

    /// Pulls from the node's registries.
    @discardableResult
    public func pull(_ reference: ImageReference, platform: Platform? = nil,
                     progress: @escaping @Sendable (PullProgress) -> Void = { _ in }) async throws(AICoreError) -> ImageRecord {
        guard let registry else {
            throw AICoreError(.unavailable, "this node has no registry client to pull \(reference.familiar) with")
        }
        return try await pull(reference, from: registry, platform: platform, progress: progress)
    }

    /// Closes the registry client's connections (the agent's way out).
    public func shutdown() async {
        if let client = registry as? RegistryClient { await client.shutdown() }
    }

    // MARK: Reading the catalog

    /// The image a reference names, as `up` and `run` look it up: by its normalised name
    /// (`redis:7` is `docker.io/library/redis:7`), by `name@digest`, or by image ID (or a prefix
    /// of at least 12 hex digits of it).
    public func image(_ text: String) -> ImageRecord? {
        if let reference = try? ImageReference(parsing: text), let record = records[reference.description] {
            return record
        }
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard hex.count >= 12, hex.allSatisfy(\.isHexDigit) else { return nil }
        let matches = records.values.filter { $0.id.hex.hasPrefix(hex.lowercased()) }
        return Set(matches.map(\.id)).count == 1 ? matches.first : nil
    }

    public func images() -> [ImageRecord] {
        records.values.sorted { $0.name < $1.name }
    }

    /// Changes the catalog: one change at a time, each made to the records as the change before
    /// it left them, written to the file before the records in memory change. (Two pulls that
    /// finish together would otherwise each save the records without the other's image, and
    /// one name would be lost.)
    func updateCatalog(_ change: @Sendable ([String: ImageRecord]) -> [String: ImageRecord]) async throws(AICoreError) {
        try await catalogChanges.run { () async throws(AICoreError) in
            let next = change(records)
            try await Self.blocking { [catalog] in try catalog.save(next) }
            records = next
        }
    }

    /// Whether a download or an unpack is under way: their files are not referenced by any
    /// record yet, so garbage collection waits.
    var isPulling: Bool { activePulls > 0 || !blobFetches.isEmpty || !unpacks.isEmpty }

    /// The image's config, read back from the content store (verified).
    public func configuration(of record: ImageRecord) async throws(AICoreError) -> ImageConfiguration {
        let bytes = try await Self.blocking { [content] in try content.read(record.config.digest, limit: Self.configLimit) }
        return try Self.decode(ImageConfiguration.self, bytes, what: "the config \(record.config.digest) of \(record.name)")
    }

    /// The names of `record`'s layer directories in the layer store, top layer first.
    /// Stops at a layer that replaces everything below it (an opaque root).
    public nonisolated func layerNames(of record: ImageRecord) -> [String] {
        var names: [String] = []
        for chainID in record.chainIDs.reversed() {
            names.append(chainID.hex)
            if layerStore.hidesLowerLayers(chainID) { break }
        }
        return names
    }

    /// The overlayfs lowerdirs of `record`, top layer first, as `lowerdir=` takes them.
    public nonisolated func lowerDirectories(of record: ImageRecord) -> [String] {
        layerNames(of: record).map { "\(layerStore.root)/\($0)" }
    }

    // MARK: Pulling

    /// Pulls `reference` from `source`: resolves it, picks this node's platform from an index,
    /// fetches what the content store lacks (`maxConcurrentDownloads` at a time, each layer
    /// unpacked as soon as it is here, while the next downloads), and only then points the name
    /// at the new manifest. A failure leaves the catalog as it was.
    @discardableResult
    public func pull(
        _ reference: ImageReference,
        from source: some ImageSource,
        platform wanted: Platform? = nil,
        progress: @escaping @Sendable (PullProgress) -> Void = { _ in }
    ) async throws(AICoreError) -> ImageRecord {
        let name = reference.description
        activePulls += 1
        defer { activePulls -= 1 }
        progress(PullProgress(image: name, phase: .resolving))
        let target = try await source.resolve(reference)
        let resolved = try await resolveManifest(reference, target: target, platform: wanted?.normalized ?? platform, from: source)
        let manifest = resolved.manifest

        try await fetch(reference, manifest.config, from: source, progress: progress, image: name)
        let configBytes = try await Self.blocking { [content] in try content.read(manifest.config.digest, limit: Self.configLimit) }
        let configuration = try Self.decode(ImageConfiguration.self, configBytes, what: "the config \(manifest.config.digest) of \(name)")
        try validate(configuration, manifest: manifest, name: name)

        let diffIDs = configuration.rootfs.diffIDs
        let chainIDs = ChainID.chain(diffIDs)
        try await fetchAndUnpackLayers(reference, manifest: manifest, diffIDs: diffIDs, chainIDs: chainIDs, from: source, progress: progress, image: name)

        let record = ImageRecord(
            name: name,
            target: target,
            manifest: resolved.descriptor,
            config: manifest.config,
            platform: Platform(
                os: configuration.os ?? platform.os,
                architecture: configuration.architecture ?? platform.architecture,
                variant: configuration.variant
            ).normalized,
            layers: manifest.layers,
            diffIDs: diffIDs,
            // Whole seconds: the catalog keeps RFC 3339 times, so a reloaded record is equal.
            updated: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            created: configuration.created
        )
        try await commit(record)
        progress(PullProgress(image: name, phase: .done))
        logger.info("pulled \(name)", metadata: ["digest": "\(target.digest)", "id": "\(record.id)"])
        return record
    }

    /// Points `record.name` at the record, durably; the catalog in memory changes only once the
    /// file did.
    func commit(_ record: ImageRecord) async throws(AICoreError) {
        try await updateCatalog { records in
            var next = records
            next[record.name] = record
            return next
        }
    }

    private func resolveManifest(
        _ reference: ImageReference,
        target: Descriptor,
        platform: Platform,
        from source: some ImageSource
    ) async throws(AICoreError) -> (descriptor: Descriptor, manifest: ImageManifest) {
        if MediaType.isSchema1(target.mediaType) {
            throw AICoreError(.invalidImage, "\(reference.familiar) is a Docker schema1 image, which is not supported; push it again with a current docker or skopeo")
        }
        var descriptor = target
        var bytes = try await manifestBytes(reference, descriptor, from: source)
        if MediaType.isIndex(descriptor.mediaType) {
            let index = try Self.decode(ImageIndex.self, bytes, what: "the index \(descriptor.digest) of \(reference.familiar)")
            guard let chosen = platform.best(in: index.manifests) else {
                let offered = index.manifests.compactMap { $0.platform?.normalized.description }.filter { !$0.hasPrefix("unknown") }
                throw AICoreError(
                    .invalidImage,
                    "\(reference.familiar) has no image for \(platform) (it has: \(offered.isEmpty ? "none" : offered.joined(separator: ", "))); choose another image or --platform"
                )
            }
            descriptor = chosen
            bytes = try await manifestBytes(reference, chosen, from: source)
        }
        guard MediaType.isManifest(descriptor.mediaType) else {
            throw AICoreError(.unsupportedMediaType, "\(reference.familiar) resolved to \(descriptor.mediaType), which is not an image manifest or index")
        }
        let manifest = try Self.decode(ImageManifest.self, bytes, what: "the manifest \(descriptor.digest) of \(reference.familiar)")
        guard MediaType.isConfig(manifest.config.mediaType) else {
            throw AICoreError(.unsupportedMediaType, "\(reference.familiar)'s config is \(manifest.config.mediaType), not an image config (is it an artifact rather than an image?)")
        }
        for layer in manifest.layers where MediaType.layerCompression(layer.mediaType) == nil {
            throw AICoreError(
                .unsupportedMediaType,
                "\(reference.familiar) has a layer of type \(layer.mediaType)\(layer.mediaType.contains("encrypted") ? " (encrypted layers are not supported)" : ""), which this node does not apply"
            )
        }
        return (descriptor, manifest)
    }

    private func manifestBytes(_ reference: ImageReference, _ descriptor: Descriptor, from source: some ImageSource) async throws(AICoreError) -> [UInt8] {
        guard descriptor.size <= Self.manifestLimit else {
            throw AICoreError(.invalidImage, "the manifest \(descriptor.digest) of \(reference.familiar) is \(descriptor.size) bytes, more than the \(Self.manifestLimit) allowed")
        }
        let bytes = try await source.manifest(reference, descriptor: descriptor)
        try await Self.blocking { [content] in try content.write(bytes, as: descriptor.digest) }
        return bytes
    }

    private func validate(_ configuration: ImageConfiguration, manifest: ImageManifest, name: String) throws(AICoreError) {
        if let os = configuration.os, os != "linux" {
            throw AICoreError(.invalidImage, "\(name) is a \(os) image; this node runs Linux images only")
        }
        guard configuration.rootfs.type == "layers" else {
            throw AICoreError(.invalidImage, "\(name)'s config has rootfs type \"\(configuration.rootfs.type)\", not \"layers\"")
        }
        guard configuration.rootfs.diffIDs.count == manifest.layers.count else {
            throw AICoreError(
                .invalidImage,
                "\(name)'s manifest has \(manifest.layers.count) layers but its config names \(configuration.rootfs.diffIDs.count); the image is malformed"
            )
        }
        // Unpacking hashes SHA-256 only: a layer whose diff ID is another algorithm could not
        // be checked, and an unchecked layer is never run.
        if let other = configuration.rootfs.diffIDs.first(where: { $0.algorithm != .sha256 }) {
            throw AICoreError(
                .invalidImage,
                "\(name)'s config names layer \(other) by \(other.algorithm.rawValue); this node verifies layers by sha256 only, so it refuses the image rather than run a layer it cannot check"
            )
        }
    }

    private func fetchAndUnpackLayers(
        _ reference: ImageReference,
        manifest: ImageManifest,
        diffIDs: [Digest],
        chainIDs: [Digest],
        from source: some ImageSource,
        progress: @escaping @Sendable (PullProgress) -> Void,
        image: String
    ) async throws(AICoreError) {
        let work = Array(zip(manifest.layers, zip(diffIDs, chainIDs)))
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = work.makeIterator()
                func addNext() -> Bool {
                    guard let (layer, ids) = next.next() else { return false }
                    group.addTask {
                        try await self.fetchAndUnpack(reference, layer: layer, diffID: ids.0, chainID: ids.1, from: source, progress: progress, image: image)
                    }
                    return true
                }
                for _ in 0..<maxConcurrentDownloads {
                    if !addNext() { break }
                }
                while try await group.next() != nil {
                    _ = addNext()
                }
            }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "pulling \(image) failed: \(error)", cause: error)
        }
    }

    private func fetchAndUnpack(
        _ reference: ImageReference,
        layer: Descriptor,
        diffID: Digest,
        chainID: Digest,
        from source: some ImageSource,
        progress: @escaping @Sendable (PullProgress) -> Void,
        image: String
    ) async throws(AICoreError) {
        if layerStore.contains(chainID) {
            progress(PullProgress(image: image, layer: layer.digest, phase: .exists, current: UInt64(layer.size), total: UInt64(layer.size)))
            return
        }
        try await fetch(reference, layer, from: source, progress: progress, image: image)
        progress(PullProgress(image: image, layer: layer.digest, phase: .extracting, current: 0, total: UInt64(layer.size)))
        try await unpack(layer: layer, diffID: diffID, chainID: chainID)
        progress(PullProgress(image: image, layer: layer.digest, phase: .done, current: UInt64(layer.size), total: UInt64(layer.size)))
    }

    /// Fetches a blob into the content store unless it is there; concurrent callers for one
    /// digest share one download.
    func fetch(
        _ reference: ImageReference,
        _ descriptor: Descriptor,
        from source: some ImageSource,
        progress: @escaping @Sendable (PullProgress) -> Void,
        image: String
    ) async throws(AICoreError) {
        let digest = descriptor.digest
        if content.contains(digest) { return }
        if let running = blobFetches[digest] {
            try await Self.awaitShared(running)
            return
        }
        let task = Task<Void, any Error> { [content] in
            let partial = content.partialPath(of: digest)
            progress(PullProgress(image: image, layer: digest, phase: .downloading, current: 0, total: UInt64(descriptor.size)))
            try await source.fetchBlob(reference, descriptor: descriptor, to: partial) { received, total in
                progress(PullProgress(image: image, layer: digest, phase: .downloading, current: received, total: total))
            }
            progress(PullProgress(image: image, layer: digest, phase: .verifying, current: UInt64(descriptor.size), total: UInt64(descriptor.size)))
            try await Self.blocking { try content.commit(partial: partial, as: digest, size: descriptor.size) }
        }
        blobFetches[digest] = task
        defer { blobFetches[digest] = nil }
        try await Self.awaitShared(task)
    }

    /// Unpacks a stored layer blob as `chainID` unless it is unpacked; concurrent callers for one
    /// chain ID share one unpack.
    func unpack(layer: Descriptor, diffID: Digest, chainID: Digest) async throws(AICoreError) {
        if layerStore.contains(chainID) { return }
        if let running = unpacks[chainID] {
            try await Self.awaitShared(running)
            return
        }
        let task = Task<Void, any Error> { [content, layerStore] in
            try await Self.blocking {
                try layerStore.unpack(blobPath: content.path(of: layer.digest), diffID: diffID, chainID: chainID, layer: layer.digest)
            }
        }
        unpacks[chainID] = task
        defer { unpacks[chainID] = nil }
        try await Self.awaitShared(task)
    }

    // MARK: Helpers

    static func awaitShared(_ task: Task<Void, any Error>) async throws(AICoreError) {
        do {
            try await task.value
        } catch let error as AICoreError {
            throw error
        } catch is CancellationError {
            throw AICoreError(.cancelled, "the pull was cancelled")
        } catch {
            throw AICoreError(.internalError, "\(error)", cause: error)
        }
    }

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(AICoreError) -> T {
        do {
            return try await BlockingWork.run(body)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.systemCall, "\(error)", cause: error)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(AICoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw AICoreError(.invalidImage, "\(what) is not valid JSON of its kind: \(Self.describe(error))", cause: error)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
