import AICoreErrors
import AICoreLayerFS
import AICoreSystem

/// `image load`: the images of an archive made by `docker save`, `skopeo copy …
/// docker-archive:` or `oci-archive:`, loaded as a pull from a registry would load them
/// (every blob verified, each layer unpacked once).
public enum ImageArchive {
    /// Loads every named image of the archive at `path`; returns their records. An OCI archive
    /// whose entries carry only a tag (skopeo's `oci-archive:FILE:TAG`) is loaded as
    /// `localhost/<file name>:<tag>`; one with no name at all is refused (give it one when
    /// making the archive).
    public static func load(_ path: String, into service: ImageService) async throws(AICoreError) -> [ImageRecord] {
        let work = "\(service.root)/load-\(FileIO.processSuffix)-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileIO.removeTree(work) }
        try await ImageService.blocking {
            try FileIO.makeDirectories(work, mode: 0o700)
            try ArchiveExtraction.extract(path, into: work)
        }
        var records: [ImageRecord] = []
        if FileIO.exists("\(work)/oci-layout") && FileIO.exists("\(work)/index.json") {
            let source = try OCILayoutSource(directory: work)
            let named = source.namedEntries(defaultRepository: "localhost/\(baseName(path))")
            guard !named.isEmpty else {
                throw AICoreError(.invalidImage, "the OCI archive \(path) names none of its images (no org.opencontainers.image.ref.name); make it with a name, e.g. oci-archive:FILE:NAME:TAG")
            }
            for (reference, descriptor) in named {
                let pinned = OCILayoutEntrySource(layout: source, entry: descriptor)
                records.append(try await service.pull(reference, from: pinned))
            }
        } else if FileIO.exists("\(work)/manifest.json") {
            let source = try await ImageService.blocking { try DockerArchiveSource(directory: work) }
            for image in source.images {
                guard !image.names.isEmpty else {
                    throw AICoreError(.invalidImage, "an image in \(path) has no name (RepoTags); save it by name, e.g. docker save NAME:TAG")
                }
                for reference in image.names {
                    records.append(try await service.pull(reference, from: source))
                }
            }
        } else {
            throw AICoreError(.invalidImage, "\(path) is neither a docker save archive (manifest.json) nor an OCI archive (oci-layout, index.json)")
        }
        return records
    }

    private static func baseName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let stem = file.split(separator: ".").first.map(String.init) ?? file
        let cleaned = stem.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
        return cleaned.isEmpty ? "image" : cleaned
    }
}

/// One entry of an OCI layout, whatever reference asks for it: a loaded image's name need not
/// match the layout's annotation (a bare tag is given a repository).
struct OCILayoutEntrySource: ImageSource {
    let layout: OCILayoutSource
    let entry: Descriptor

    func resolve(_ reference: ImageReference) async throws(AICoreError) -> Descriptor { entry }

    func manifest(_ reference: ImageReference, descriptor: Descriptor) async throws(AICoreError) -> [UInt8] {
        try await layout.manifest(reference, descriptor: descriptor)
    }

    func fetchBlob(_ reference: ImageReference, descriptor: Descriptor, to partialPath: String,
                   progress: @escaping @Sendable (UInt64, UInt64) -> Void) async throws(AICoreError) {
        try await layout.fetchBlob(reference, descriptor: descriptor, to: partialPath, progress: progress)
    }
}
