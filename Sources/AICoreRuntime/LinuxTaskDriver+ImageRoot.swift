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

    /// Unmounts and deletes what `mountImageRoot` made; nothing there is fine. Best effort: a
    /// leftover is reported by the state directory's removal that follows.
    func removeImageRoot(stateDirectory: String, id: String) {
        let merged = Self.mergedRoot(stateDirectory)
        guard FileIO.exists(merged) else { return }
        try? OverlayMount.unmount(merged)
        try? FileIO.removeTree(writableLayer(id: id))
    }
}
