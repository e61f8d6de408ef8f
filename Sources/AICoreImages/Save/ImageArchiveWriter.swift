import AICoreErrors
import AICoreSystem
import Foundation

/// `image save`: images of the store as one tar, in order, a chunk at a time — what `docker
/// save` and `podman save --format oci-archive` write, so that `image load`, `docker load`
/// (Docker 25+), `skopeo copy oci-archive:FILE:TAG …` and containerd's import read it:
///
///     oci-layout                 {"imageLayoutVersion":"1.0.0"}
///     index.json                 one manifest per image, named by its tag
///                                (org.opencontainers.image.ref.name) and its full name
///                                (io.containerd.image.name)
///     manifest.json              Docker's listing: each manifest's config, names and layers
///     blobs/sha256/<hex>         every manifest, config and layer as stored, once each
///
/// Nothing is held in memory but a chunk: each blob is read from the content store as it is
/// written, and hashed on the way; one that no longer hashes to its digest ends the archive
/// with an error before its last chunk, so an archive with a damaged blob never looks whole.
public struct ImageArchiveWriter: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// The images saved, each once, in the order they were asked for.
    public let images: [ImageRecord]
    let members: [Member]
    let chunkSize: Int

    /// One file or directory of the archive.
    struct Member: Sendable {
        enum Content: Sendable {
            case directory
            case bytes([UInt8])
            /// A stored blob, read when its turn comes.
            case blob(Descriptor, path: String)
        }

        var name: String
        var content: Content
    }

    /// Plans the archive of `images` from `content`: every blob they need must be there at its
    /// recorded size (checked now, before anything is written). Blocking (one stat per blob).
    public init(images: [ImageRecord], content: ContentStore, chunkSize: Int = 1 << 20) throws(AICoreError) {
        var blobs: [Member] = []
        var seen: Set<Digest> = []
        for record in images {
            for descriptor in [record.manifest, record.config] + record.layers where seen.insert(descriptor.digest).inserted {
                let path = content.path(of: descriptor.digest)
                let size: UInt64?
                do { size = try FileIO.size(of: path) } catch {
                    throw AICoreError(.systemCall, "cannot look at the stored \(descriptor.digest) of \(record.name): \(error)", cause: error)
                }
                guard let size else {
                    throw AICoreError(.corrupt, "the content store lacks \(descriptor.digest) of \(record.name); pull the image again")
                }
                guard size == UInt64(Swift.max(descriptor.size, 0)) else {
                    throw AICoreError(.corrupt, "the stored \(descriptor.digest) of \(record.name) is \(size) bytes, not the \(descriptor.size) it was stored as; pull the image again")
                }
                blobs.append(Member(name: Self.blobName(descriptor.digest), content: .blob(descriptor, path: path)))
            }
        }
        let algorithms = Set(seen.map(\.algorithm.rawValue)).sorted()
        members = [
            Member(name: "oci-layout", content: .bytes(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))),
            Member(name: "index.json", content: .bytes(try Self.encode(Self.index(of: images), what: "index.json"))),
            Member(name: "manifest.json", content: .bytes(try Self.encode(Self.dockerManifest(of: images), what: "manifest.json"))),
            Member(name: "blobs/", content: .directory),
        ] + algorithms.map { Member(name: "blobs/\($0)/", content: .directory) } + blobs
        self.images = images
        self.chunkSize = Swift.max(chunkSize, TarHeader.blockSize)
    }

    public func makeAsyncIterator() -> ImageArchiveChunks {
        ImageArchiveChunks(members: members, chunkSize: chunkSize)
    }

    static func blobName(_ digest: Digest) -> String {
        "blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
    }

    // MARK: The listings

    /// The OCI index: an entry per image, on its platform's manifest (a multi-platform image
    /// was stored with this node's manifest only, so that is the one saved).
    static func index(of images: [ImageRecord]) -> ImageIndex {
        ImageIndex(manifests: images.map { record in
            var annotations = ["io.containerd.image.name": record.name]
            if let tag = (try? ImageReference(parsing: record.name))?.tag {
                annotations["org.opencontainers.image.ref.name"] = tag
            }
            return Descriptor(mediaType: record.manifest.mediaType, digest: record.manifest.digest, size: record.manifest.size,
                              platform: record.platform, annotations: annotations)
        })
    }

    /// Docker's `manifest.json` entry of one manifest: paths in the archive, names as Docker
    /// shows them (`redis:7`).
    struct DockerEntry: Codable, Equatable {
        var config: String
        var repoTags: [String]
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
            case layers = "Layers"
        }
    }

    /// One entry per manifest, with every tagged name saved for it (a name pinned by digest
    /// only has no tag to give).
    static func dockerManifest(of images: [ImageRecord]) -> [DockerEntry] {
        var entries: [DockerEntry] = []
        var positions: [Digest: Int] = [:]
        for record in images {
            let reference = try? ImageReference(parsing: record.name)
            let tags = reference.flatMap { $0.tag == nil ? nil : ImageReference(registry: $0.registry, repository: $0.repository, tag: $0.tag, digest: nil).familiar }
            if let position = positions[record.manifest.digest] {
                if let tags { entries[position].repoTags.append(tags) }
                continue
            }
            positions[record.manifest.digest] = entries.count
            entries.append(DockerEntry(config: blobName(record.config.digest), repoTags: tags.map { [$0] } ?? [],
                                       layers: record.layers.map { blobName($0.digest) }))
        }
        return entries
    }

    private static func encode(_ value: some Encodable, what: String) throws(AICoreError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) } catch {
            throw AICoreError(.internalError, "cannot encode the archive's \(what): \(error)", cause: error)
        }
    }
}
