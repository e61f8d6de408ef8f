import AICoreErrors
import AICoreImages
import AICoreRuntime
import AICoreSystem
import Logging

/// `run --image`: an image as the agent's store holds it, and the config that fills what the
/// command line leaves out.
struct RunImageRoot {
    var name: String
    var root: TaskSpec.ImageRoot
    var config: ImageConfiguration.RunConfig?
}

extension RunOptions {
    /// The image `--image` names, read from the store at `--image-store` (the agent's, by
    /// default): its catalog and config are only read, and its layers are stacked under this
    /// instance's own writable layer. Nil without `--image`.
    func openImage() async throws -> RunImageRoot? {
        guard let image else { return nil }
        guard FileIO.exists(imageStore + "/images.json") else {
            throw SpecError("no image store at \(imageStore) (the agent's is <state_dir>/images): pull the image with `aicore-node image pull \(image)`, or give --image-store")
        }
        let store = try ImageService(root: imageStore, logger: Logger(label: "aicore.run"))
        guard let record = await store.image(image) else {
            throw SpecError("no image \(image) in \(imageStore): `aicore-node image pull \(image)` or `aicore-node image load` it first")
        }
        let configuration = try await store.configuration(of: record)
        return RunImageRoot(name: record.name, root: TaskSpec.ImageRoot(layersBase: store.layerStore.root, layers: store.layerNames(of: record)),
                            config: configuration.config)
    }

    /// Where `run`'s writable layers go: beside the image store, on disk (not in /run's
    /// memory), and apart from the agent's own (`<state_dir>/writable`), which it sweeps.
    static func writableLayerRoot(_ imageStore: String) -> String {
        var parent = imageStore
        while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
        if let slash = parent.lastIndex(of: "/") { parent = String(parent[..<slash]) }
        return (parent.isEmpty ? "" : parent) + "/run-writable"
    }
}
