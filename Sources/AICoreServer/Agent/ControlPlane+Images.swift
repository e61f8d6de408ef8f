import AICoreErrors
import AICoreImages
import AICoreSpec
import AICoreSupervisor
import Foundation

extension ControlPlane {
    /// The node's image store, or 503 on a node that has none.
    func imageService() throws(AICoreError) -> ImageService {
        guard let images = agent.images else {
            throw AICoreError(.unavailable, "this node has no image store")
        }
        return images
    }

    public func images() async throws(AICoreError) -> [ImageStatus] {
        let service = try imageService()
        let users = imageUsers()
        return await service.images().map { ImageStatus($0, usedBy: users[$0.name] ?? []) }
    }

    public func image(named name: String) async throws(AICoreError) -> ImageStatus {
        let service = try imageService()
        guard let record = await service.image(name) else {
            throw AICoreError(.notFound, "no image \(name) on this node; `aicore-node image ls` lists them")
        }
        let configuration = try await service.configuration(of: record)
        return ImageStatus(record, usedBy: imageUsers()[record.name] ?? [], configuration: configuration)
    }

    /// `image rm`: 409 naming the services while a stack on the node names the image.
    public func removeImage(named name: String) async throws(AICoreError) -> ImageCleanup {
        let service = try imageService()
        guard let record = await service.image(name) else {
            throw AICoreError(.notFound, "no image \(name) on this node; `aicore-node image ls` lists them")
        }
        return try await service.remove(record.name, users: imageUsers()[record.name] ?? [], keepLayers: try await layersUnderInstances())
    }

    /// `image prune [--all]`: frees what no image uses; with `all`, also every image that no
    /// stack on the node names.
    public func pruneImages(all: Bool) async throws(AICoreError) -> ImageCleanup {
        let service = try imageService()
        return try await service.prune(all: all, inUse: Set(imageUsers().keys), keepLayers: try await layersUnderInstances())
    }

    public func imageDiskUsage() async throws(AICoreError) -> ImageDiskUsage {
        try await imageService().diskUsage()
    }

    /// `image load`: every image of an archive (`docker save`, OCI archive) at `path`, a file
    /// of the agent's own that the upload was written to.
    public func loadImages(archive path: String) async throws(AICoreError) -> [ImageStatus] {
        let service = try imageService()
        let records: [ImageRecord]
        do {
            records = try await ImageArchive.load(path, into: service)
        } catch where [.invalidImage, .digestMismatch, .unsafeLayer, .unsupportedMediaType, .invalidReference, .invalidDigest].contains(error.code) {
            // The client sent the archive: what is wrong with it is the request's fault.
            throw AICoreError(.badRequest, "image load: \(error.message)", cause: error, context: error.context)
        }
        let users = imageUsers()
        return records.map { ImageStatus($0, usedBy: users[$0.name] ?? []) }
    }

    /// `image save`: the archive of the images `names` names, planned (every name known, every
    /// blob there) before anything is sent; 400 for no name at all.
    public func saveImages(_ names: [String]) async throws(AICoreError) -> ImageArchiveWriter {
        guard !names.isEmpty else {
            throw AICoreError(.badRequest, "`images` must name at least one image to save")
        }
        return try await imageService().archive(names)
    }

    /// Pulls `reference` from the node's registries (`pull`, `image pull`); `progress` sees
    /// each layer's state as it goes.
    public func pullImage(_ text: String, platform: String? = nil,
                          progress: @escaping @Sendable (PullProgress) -> Void = { _ in }) async throws(AICoreError) -> ImageStatus {
        let service = try imageService()
        let reference = try ImageReference(parsing: text)
        let wanted = try platform.map { text throws(AICoreError) in try Platform(parsing: text) }
        let record: ImageRecord
        do {
            record = try await service.pull(reference, platform: wanted, progress: progress)
        } catch {
            throw Self.upstream(error)
        }
        return ImageStatus(record, usedBy: imageUsers()[record.name] ?? [])
    }

    /// Gets every image `stack` names onto the node before anything of it starts, as each
    /// service's `pull_policy` says (or `override`, `up --pull`): `missing` pulls what the node
    /// lacks, `always` pulls again, `every_<d>` (`daily`, `weekly`) when the node's copy is
    /// older, `never` only checks. `report` gets one line per image pulled, for the stack's
    /// operation status.
    func ensureImages(_ stack: Stack, override: PullPolicy? = nil, report: @escaping @Sendable (String) async -> Void) async throws(AICoreError) {
        let pulls = try StackImagePull.plan(for: stack, override: override)
        guard !pulls.isEmpty else { return }
        let images = try imageService()
        for entry in pulls {
            guard try entry.isDue(pulled: await images.image(entry.reference.description)?.updated) else { continue }
            await report("pulling \(entry.reference.familiar)")
            let platform = try entry.platform.map { text throws(AICoreError) in try Platform(parsing: text) }
            do {
                try await images.pull(entry.reference, platform: platform)
            } catch {
                throw Self.upstream(error).prefixed("pulling \(entry.reference.familiar) for service \(entry.services.joined(separator: ", "))")
            }
        }
    }

    /// The services of the stacks on the node that name each image (by normalised name).
    func imageUsers() -> [String: [String]] {
        var users: [String: [String]] = [:]
        for (name, stack) in desired {
            for service in stack.services {
                guard let image = service.image, let reference = try? ImageReference(parsing: image) else { continue }
                users[reference.description, default: []].append("\(name)/\(service.name)")
            }
        }
        return users.mapValues { $0.sorted() }
    }

    /// The layers running instances stand on, which may be an older image than their name's
    /// now is: never freed under them.
    func layersUnderInstances() async throws(AICoreError) -> Set<Digest> {
        await agent.imageLayersInUse()
    }
}
