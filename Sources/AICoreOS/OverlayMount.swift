import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// An instance's root made of image layers: overlayfs with the layers as lowerdirs, and an upper
/// and a work directory of the instance's own (also under a read-only root, whose mount points
/// are made there first). Mounted on the
/// host side (in the agent's mount namespace) so that the agent can read the image's
/// /etc/passwd beneath it before the instance starts; the instance's mount plan then binds it
/// as its root like any root directory.
public struct OverlayMount: Sendable, Equatable {
    /// The directory the layer names are relative to (the layer store).
    public var layersBase: String
    /// Layer directory names inside `layersBase`, top layer first.
    public var layers: [String]
    /// The instance's writable layer.
    public var upper: String
    public var work: String

    public init(layersBase: String, layers: [String], upper: String, work: String) {
        self.layersBase = layersBase
        self.layers = layers
        self.upper = upper
        self.work = work
    }

    /// mount(2) takes its options in one page.
    public static let optionsLimit = 4095

    /// The mount options: relative lowerdirs, `index=off` (no hard-link index to keep
    /// consistent: each upper is used by one instance only, over layers that never change).
    public var options: String {
        "lowerdir=" + layers.joined(separator: ":") + ",upperdir=\(upper),workdir=\(work),index=off"
    }

    /// Mounts the root at `target`, an empty directory of the agent's own.
    public func mount(at target: String) throws(SystemError) {
        guard !layers.isEmpty else {
            throw SystemError(code: .invalidArgument, operation: "mount overlay on \(target)", detail: "an image root needs at least one layer")
        }
        for name in layers where name.isEmpty || name.contains("/") || name.contains(":") || name.contains(",") {
            throw SystemError(code: .invalidArgument, operation: "mount overlay on \(target)", detail: "\"\(name)\" is not a layer directory name")
        }
        let options = options
        guard options.utf8.count <= Self.optionsLimit else {
            throw SystemError(
                code: .invalidArgument,
                operation: "mount overlay on \(target)",
                detail: "an image of \(layers.count) layers needs \(options.utf8.count) bytes of mount options, more than the kernel's \(Self.optionsLimit); squash the image's layers"
            )
        }
        for directory in [upper, work] {
            try FileIO.makeDirectories(directory, mode: 0o755)
        }
        guard aic_mount_overlay(layersBase, target, options) == 0 else {
            let failure = SystemError.last("mount overlay (\(layers.count) layers) on \(target)")
            guard failure.errno == EINVAL else { throw failure }
            // What EINVAL nearly always means here: the writable layer's filesystem.
            throw SystemError(errno: EINVAL, operation: failure.operation,
                              detail: "the writable layer \(upper) is on a filesystem overlayfs cannot use as an upper (another overlayfs, NFS, 9p); put the agent's state_dir on ext4, xfs, btrfs or tmpfs")
        }
    }

    /// Unmounts a root mounted by `mount(at:)`; one that is not mounted (any more) is fine.
    public static func unmount(_ target: String) throws(SystemError) {
        guard umount2(target, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 || errno == EINVAL || errno == ENOENT else {
            throw .last("unmount \(target)")
        }
    }
}
