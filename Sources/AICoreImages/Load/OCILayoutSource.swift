import AICoreErrors
import AICoreSystem
import Foundation

/// An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), as `skopeo
/// copy … oci:DIR` and `oci-archive:` write it and `image load` unpacks it: a source like a
/// registry, whose every answer is verified the same way before it is kept.
public struct OCILayoutSource: ImageSource {
    public let directory: String
    /// The layout's top-level entries, in order.
    public let entries: [Descriptor]

    /// The annotations that name an entry: the full name (containerd, Docker 25's `save`) and
    /// the OCI reference name (a tag, or a full name, as skopeo writes it).
    static let nameAnnotations = ["io.containerd.image.name", "org.opencontainers.image.ref.name"]

    public init(directory: String) throws(AICoreError) {
        self.directory = directory
        let bytes: [UInt8]
        do {
            let marker = try FileIO.readString("\(directory)/oci-layout")
            guard marker.contains("\"imageLayoutVersion\"") else {
                throw AICoreError(.invalidImage, "\(directory)/oci-layout does not name an imageLayoutVersion")
            }
            bytes = try FileIO.read("\(directory)/index.json", followSymlinks: false)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.invalidImage, "\(directory) is not an OCI image layout: \(error)", cause: error)
        }
        entries = try ImageService.decode(ImageIndex.self, bytes, what: "\(directory)/index.json").manifests
    }

    /// The names the layout gives its entries (as references), with the entry each names.
    /// A bare tag (`7`) is a tag of `defaultRepository` when one is given.
    public func namedEntries(defaultRepository: String? = nil) -> [(reference: ImageReference, descriptor: Descriptor)] {
        entries.compactMap { entry in
            for key in Self.nameAnnotations {
                guard let name = entry.annotations?[key] else { continue }
                if let reference = try? ImageReference(parsing: name), name.contains("/") || name.contains(":") || defaultRepository == nil {
                    return (reference, entry)
                }
                if let defaultRepository, let reference = try? ImageReference(parsing: "\(defaultRepository):\(name)") {
                    return (reference, entry)
                }
            }
            return nil
        }
    }

    public func resolve(_ reference: ImageReference) async throws(AICoreError) -> Descriptor {
        if let digest = reference.digest, let entry = entries.first(where: { $0.digest == digest }) {
            return entry
        }
        let candidates = [reference.description, reference.familiar, reference.tag].compactMap { $0 }
        for entry in entries {
            for key in Self.nameAnnotations {
                if let name = entry.annotations?[key], candidates.contains(name) { return entry }
            }
        }
        if entries.count == 1, let only = entries.first, reference.digest == nil {
            return only
        }
        throw AICoreError(.notFound, "the layout \(directory) has no image named \(reference.familiar)")
    }

    public func manifest(_ reference: ImageReference, descriptor: Descriptor) async throws(AICoreError) -> [UInt8] {
        let path = blobPath(descriptor.digest)
        let limit = ImageService.manifestLimit
        let bytes: [UInt8] = try await ImageService.blocking {
            guard let size = try FileIO.size(of: path) else {
                throw AICoreError(.invalidImage, "the layout \(directory) lacks the blob \(descriptor.digest)")
            }
            guard size <= UInt64(limit) else {
                throw AICoreError(.invalidImage, "the manifest \(descriptor.digest) in \(directory) is \(size) bytes, more than the \(limit) allowed")
            }
            return try FileIO.read(path, followSymlinks: false)
        }
        let actual = ContentStore.hash(bytes, like: descriptor.digest)
        guard actual == descriptor.digest else {
            throw AICoreError(.digestMismatch, "the blob \(descriptor.digest) in \(directory) hashes to \(actual); the layout is corrupt")
        }
        return bytes
    }

    public func fetchBlob(
        _ reference: ImageReference,
        descriptor: Descriptor,
        to partialPath: String,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) {
        let source = blobPath(descriptor.digest)
        let total = UInt64(max(descriptor.size, 0))
        try await ImageService.blocking {
            guard FileIO.exists(source) else {
                throw AICoreError(.invalidImage, "the layout \(directory) lacks the blob \(descriptor.digest)")
            }
            try FileIO.copyFile(source, to: partialPath) { progress($0, total) }
        }
    }

    func blobPath(_ digest: Digest) -> String {
        "\(directory)/blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
    }
}
