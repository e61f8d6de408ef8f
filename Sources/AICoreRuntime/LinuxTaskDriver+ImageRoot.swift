import AICoreErrors
import AICoreOS
import AICoreSystem

extension LinuxTaskDriver {
    /// Where an instance's image root is mounted (on the host side), in its state directory.
    static func mergedRoot(_ stateDirectory: String) -> String { stateDirectory + "/merged" }

    /// The instance's writable layer: `upper/` and `work/` of overlayfs.
    func writableLayer(id: String) -> String { configuration.writableLayerRoot + "/" + id }

    /// Stacks the image's layers, with a fresh writable layer, at the instance's merged root,
    /// and returns that directory (the root the mount plan binds). The writable layer exists
    /// even for a read-only root: the mount points of the instance's volumes are made in it
    /// before the plan binds the root read-only, as Docker does for `read_only`.
    func mountImageRoot(_ image: TaskSpec.ImageRoot, readOnly: Bool, id: String, stateDirectory: String) throws -> String {
        let merged = Self.mergedRoot(stateDirectory)
        let layer = writableLayer(id: id)
        do {
            try FileIO.makeDirectories(merged, mode: 0o755)
            // A writable layer left by an earlier start of this id (an agent killed before it
            // removed it) is not this start's: every start begins from the image.
            try FileIO.removeTree(layer)
            try FileIO.makeDirectories(layer, mode: 0o700)
            try OverlayMount(layersBase: image.layersBase, layers: image.layers, upper: layer + "/upper", work: layer + "/work")
                .mount(at: merged)
        } catch {
            throw AICoreError(code: .start, message: "cannot mount the image root of \(id): \(error)", cause: error)
        }
        return merged
    }

    /// Unmounts an exited instance's image root and deletes its writable layer, keeping its
    /// state directory (`run --keep-state`: the exit file and log stay, no mount does).
    public func releaseImageRoot(_ handle: TaskHandle) {
        removeImageRoot(stateDirectory: handle.stateDirectory, id: handle.id)
    }

    /// Fills each empty volume marked `copiesImageContent` with what the image holds at the
    /// volume's target, as Docker does, before the instance (or anything of the image) runs;
    /// `root` is the merged image root. A volume with anything in it is left as it is.
    func copyImageContentIntoVolumes(_ spec: TaskSpec, root: String) throws {
        let volumes = spec.mounts.compactMap { m -> (target: String, directory: String)? in
            guard m.copiesImageContent, case let .bind(source, _) = m.kind else { return nil }
            return (m.destination, source)
        }
        guard !volumes.isEmpty else { return }
        let image: RootedDirectory
        do {
            image = try RootedDirectory(path: root)
        } catch {
            throw AICoreError(code: .start, message: "cannot open the image root of \(spec.id) at \(root): \(error)", cause: error)
        }
        for volume in volumes {
            do {
                // The agent's own path (TaskSpecBuilder made it); a symlink in place of the
                // directory is refused, as the mount refuses it.
                let destination = try RootedDirectory(path: volume.directory, followingFinalSymlink: false)
                _ = try RootedTreeCopy.copyIfEmpty(from: image, at: volume.target, into: destination)
            } catch {
                throw AICoreError(code: .volume,
                                  message: "cannot copy the image's \(volume.target) into the volume \(volume.directory) of \(spec.id): \(error)",
                                  cause: error)
            }
        }
    }

    /// Unmounts and deletes what `mountImageRoot` made; nothing there is fine. Best effort: a
    /// leftover is reported by the state directory's removal that follows.
    func removeImageRoot(stateDirectory: String, id: String) {
        let merged = Self.mergedRoot(stateDirectory)
        guard FileIO.exists(merged) else { return }
        try? OverlayMount.unmount(merged)
        try? FileIO.removeTree(writableLayer(id: id))
    }
}
