import AICoreErrors
import AICoreSystem
import Foundation

/// The images of a `docker save` archive, once extracted (`manifest.json`, each image's config
/// and its layer tars): a source like a registry. Docker's archive has no manifests of the
/// registry kind, so each image gets an OCI manifest made here from the files' own digests;
/// everything is then verified and unpacked as a pull would. Blocking: made off the pool.
public struct DockerArchiveSource: ImageSource {
    public let directory: String
    /// Each image of the archive: the names it was saved under, and its made-up manifest.
    public let images: [(names: [ImageReference], manifest: Descriptor)]
    private let manifests: [Digest: [UInt8]]
    private let files: [Digest: String]

    private struct Entry: Decodable {
        var config: String
        var repoTags: [String]?
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
            case layers = "Layers"
        }
    }

    public init(directory: String) throws(AICoreError) {
        self.directory = directory
        let listing: [UInt8]
        do { listing = try FileIO.read("\(directory)/manifest.json", followSymlinks: false) } catch {
            throw AICoreError(.invalidImage, "\(directory) is not a docker save archive (no manifest.json): \(error)", cause: error)
        }
        let entries = try ImageService.decode([Entry].self, listing, what: "manifest.json of the archive")
        var images: [(names: [ImageReference], manifest: Descriptor)] = []
        var manifests: [Digest: [UInt8]] = [:]
        var files: [Digest: String] = [:]
        for entry in entries {
            let config = try Self.describe(entry.config, in: directory, mediaType: MediaType.ociConfig)
            files[config.digest] = config.path
            var layers: [Descriptor] = []
            for layer in entry.layers {
                let described = try Self.describe(layer, in: directory, mediaType: nil)
                files[described.digest] = described.path
                layers.append(Descriptor(mediaType: described.mediaType, digest: described.digest, size: described.size))
            }
            let manifest = ImageManifest(
                schemaVersion: 2,
                mediaType: MediaType.ociManifest,
                config: Descriptor(mediaType: MediaType.ociConfig, digest: config.digest, size: config.size),
                layers: layers,
                annotations: nil
            )
            let bytes: [UInt8]
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                bytes = Array(try encoder.encode(manifest))
            } catch {
                throw AICoreError(.internalError, "cannot encode a manifest for \(entry.config): \(error)", cause: error)
            }
            let digest = Digest.sha256(of: bytes)
            manifests[digest] = bytes
            var names: [ImageReference] = []
            for tag in entry.repoTags ?? [] {
                names.append(try ImageReference(parsing: tag))
            }
            images.append((names, Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count))))
        }
        self.images = images
        self.manifests = manifests
        self.files = files
    }

    /// A file named by the archive's manifest.json: inside the archive (no absolute name, no
    /// `..`), hashed, its compression told by its first bytes.
    private static func describe(_ name: String, in directory: String, mediaType: String?) throws(AICoreError) -> (path: String, digest: Digest, size: Int64, mediaType: String) {
        let components = name.split(separator: "/", omittingEmptySubsequences: true)
        guard !name.hasPrefix("/"), !components.isEmpty, !components.contains(where: { $0 == ".." }) else {
            throw AICoreError(.invalidImage, "the archive's manifest.json names \"\(name)\", outside the archive")
        }
        let path = "\(directory)/\(name)"
        var hasher = DigestHasher()
        var head: [UInt8] = []
        do {
            try FileIO.forEachChunk(of: path) { chunk in
                if head.count < 4 { head += chunk.prefix(4 - head.count) }
                hasher.update(chunk)
            }
        } catch {
            throw AICoreError(.invalidImage, "the archive lacks \(name), which its manifest.json names: \(error)", cause: error)
        }
        let type = mediaType ?? {
            if head.starts(with: [0x1f, 0x8b]) { return MediaType.ociLayerGzip }
            if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return MediaType.ociLayerZstd }
            return MediaType.ociLayer
        }()
        return (path, hasher.finalize(), Int64(hasher.count), type)
    }

    public func resolve(_ reference: ImageReference) async throws(AICoreError) -> Descriptor {
        for image in images where image.names.contains(where: { $0.description == reference.description }) {
            return image.manifest
        }
        if let digest = reference.digest, let image = images.first(where: { $0.manifest.digest == digest }) {
            return image.manifest
        }
        throw AICoreError(.notFound, "the archive has no image named \(reference.familiar)")
    }

    public func manifest(_ reference: ImageReference, descriptor: Descriptor) async throws(AICoreError) -> [UInt8] {
        guard let bytes = manifests[descriptor.digest] else {
            throw AICoreError(.notFound, "the archive has no manifest \(descriptor.digest)")
        }
        return bytes
    }

    public func fetchBlob(
        _ reference: ImageReference,
        descriptor: Descriptor,
        to partialPath: String,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) {
        guard let source = files[descriptor.digest] else {
            throw AICoreError(.invalidImage, "the archive has no file for \(descriptor.digest)")
        }
        let total = UInt64(max(descriptor.size, 0))
        try await ImageService.blocking {
            try FileIO.copyFile(source, to: partialPath) { progress($0, total) }
        }
    }
}
