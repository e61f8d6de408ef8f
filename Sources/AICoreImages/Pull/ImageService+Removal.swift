import AICoreErrors
import AICoreSystem

/// What a removal or a prune freed.
public struct ImageCleanup: Sendable, Equatable, Codable {
    /// The names removed from the catalog.
    public var removedImages: [String] = []
    public var removedBlobs: Int = 0
    public var removedLayers: Int = 0
    /// Downloads and unpacks that never finished, swept.
    public var removedPartials: Int = 0
    /// Bytes given back (blobs and partials by size, layers by their disk usage).
    public var reclaimedBytes: UInt64 = 0

    public init() {}
}

/// How much disk the images take, with shared layers counted once.
public struct ImageDiskUsage: Sendable, Equatable, Codable {
    public var images: Int
    /// Compressed blobs (manifests, configs, layers as pulled).
    public var contentBytes: UInt64
    /// Unpacked layers.
    public var layerBytes: UInt64
    /// Downloads in progress or abandoned.
    public var partialBytes: UInt64
}

extension ImageService {
    /// Removes the name `text` names. `users` are who still needs the image (instances, stacks'
    /// current revisions), as the caller knows them: a name in use is not removed, and the
    /// refusal names them. Content no remaining name uses is then freed, except `keepLayers`
    /// (chain IDs under running instances, which may be an older image than the name's).
    public func remove(_ text: String, users: [String], keepLayers: Set<Digest>) async throws(AICoreError) -> ImageCleanup {
        guard let record = image(text) else {
            throw AICoreError(.notFound, "no image \(text) on this node (aicore-node image ls lists them)")
        }
        guard users.isEmpty else {
            throw AICoreError(
                .conflict,
                "image \(record.name) is in use by \(users.joined(separator: ", ")); remove or change them first",
                context: ["users": users.joined(separator: ",")]
            )
        }
        try await updateCatalog { records in
            var next = records
            next[record.name] = nil
            return next
        }
        var cleanup = try await collectGarbage(keepLayers: keepLayers)
        cleanup.removedImages = [record.name]
        return cleanup
    }

    /// Frees what no image name uses: blobs, unpacked layers, abandoned downloads and unpacks.
    /// With `all`, first drops every name not in `inUse` (names of images instances or stacks
    /// use), as `docker image prune --all` does.
    public func prune(all: Bool, inUse: Set<String>, keepLayers: Set<Digest>) async throws(AICoreError) -> ImageCleanup {
        var removed: [String] = []
        if all {
            let dropped = images().filter { !inUse.contains($0.name) }
            if !dropped.isEmpty {
                // Only the records seen unused: an image pulled meanwhile (even under one of
                // those names) stays.
                try await updateCatalog { records in records.filter { !dropped.contains($0.value) } }
            }
            removed = dropped.map(\.name)
        }
        var cleanup = try await collectGarbage(keepLayers: keepLayers)
        cleanup.removedImages = removed
        return cleanup
    }

    public func diskUsage() async throws(AICoreError) -> ImageDiskUsage {
        let count = images().count
        return try await Self.blocking { [content, layerStore] in
            let blobs = try content.blobs().reduce(UInt64(0)) { $0 + $1.size }
            let partials = try content.partials().reduce(UInt64(0)) { $0 + $1.size }
            let layers = try layerStore.layers().reduce(UInt64(0)) { $0 + FileIO.diskUsage(layerStore.path(of: $1)) }
            return ImageDiskUsage(images: count, contentBytes: blobs, layerBytes: layers, partialBytes: partials)
        }
    }

    /// Deletes every blob and layer no record references, and every partial download and
    /// unpack, unless a pull is running (its partials and new blobs are not referenced yet).
    private func collectGarbage(keepLayers: Set<Digest>) async throws(AICoreError) -> ImageCleanup {
        guard !isPulling else {
            throw AICoreError(.conflict, "a pull is running; prune again once it has finished")
        }
        var contentInUse = Set<Digest>()
        var layersInUse = keepLayers
        for record in images() {
            contentInUse.formUnion([record.target.digest, record.manifest.digest, record.config.digest])
            contentInUse.formUnion(record.layers.map(\.digest))
            layersInUse.formUnion(record.chainIDs)
        }
        return try await Self.blocking { [content, layerStore, contentInUse, layersInUse] in
            var cleanup = ImageCleanup()
            for blob in try content.blobs() where !contentInUse.contains(blob.digest) {
                try content.remove(blob.digest)
                cleanup.removedBlobs += 1
                cleanup.reclaimedBytes += blob.size
            }
            for partial in try content.partials() {
                try FileIO.removeFile(partial.path)
                cleanup.removedPartials += 1
                cleanup.reclaimedBytes += partial.size
            }
            for chainID in try layerStore.layers() where !layersInUse.contains(chainID) {
                cleanup.reclaimedBytes += FileIO.diskUsage(layerStore.path(of: chainID))
                try layerStore.remove(chainID)
                cleanup.removedLayers += 1
            }
            for directory in try layerStore.abandoned() {
                cleanup.reclaimedBytes += FileIO.diskUsage(directory)
                try FileIO.removeTree(directory)
                cleanup.removedPartials += 1
            }
            return cleanup
        }
    }
}
