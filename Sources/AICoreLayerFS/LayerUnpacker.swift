import AICoreErrors
import AICoreSystem

/// Applies an OCI image layer to a directory of its own, safely: the directories of an image's
/// layers are then stacked as overlayfs lowerdirs (whiteouts become overlayfs whiteouts; see
/// `LayerApplication`).
///
/// The archive is untrusted. libarchive only parses it; every change is made here, beneath the
/// directory, with openat2 (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and
/// *at calls that follow nothing, so no entry can write outside it (the CVE-2014-6407,
/// CVE-2021-32760 and CVE-2021-29136 class). An entry that tries is refused with `.unsafeLayer`,
/// naming the layer and the entry; what was written before stays, and the caller removes the
/// directory. The caller also checks the returned diff ID against the image config's.
///
/// Needs root (CAP_CHOWN, CAP_MKNOD, CAP_SYS_ADMIN for trusted.* xattrs, CAP_SETFCAP). Blocks
/// for as long as the layer takes: call it off any actor or event loop.
public struct LayerUnpacker: Sendable {
    public init() {}

    /// Applies the layer archive at `archivePath` (tar; gzip, zstd, xz, bzip2 or none, as
    /// libarchive detects) to `directory`, which must exist and be empty; `layer` names it in
    /// errors (its digest). Errors: `.unsafeLayer` for a refused entry, `.invalidImage` for an
    /// archive that does not decompress or is not a tar, `.conflict` for a directory that is not
    /// empty, `.systemCall` for a failed system call (disk full, …).
    public func unpack(archivePath: String, into directory: String, layer: String) throws(AICoreError) -> LayerUnpackResult {
        do {
            let root = try openEmptyDirectory(directory, layer: layer)
            let reader = try ArchiveReader(path: archivePath, name: "layer \(layer)")
            var application = LayerApplication(root: root, layer: layer)
            var entries = 0
            while let entry = try reader.next() {
                entries += 1
                try application.apply(entry, from: reader)
            }
            try application.finish()
            let (sha256, bytes) = try reader.finish()
            return LayerUnpackResult(
                uncompressedSHA256: sha256,
                entries: entries,
                uncompressedBytes: bytes,
                skippedExtendedAttributes: application.skippedExtendedAttributes,
                skippedEntries: application.skippedEntries,
                hidesLowerLayers: application.opaqueRoot
            )
        } catch {
            var named = error
            if named.context["layer"] == nil { named.context["layer"] = layer }
            throw named
        }
    }

    private func openEmptyDirectory(_ directory: String, layer: String) throws(AICoreError) -> RootedDirectory {
        let opened: RootedDirectory?
        do {
            opened = try RootedDirectory.openEmpty(path: directory)
        } catch {
            throw AICoreError(.systemCall, "layer \(layer): \(error)", cause: error, context: ["layer": layer])
        }
        guard let root = opened else {
            throw AICoreError(
                .conflict,
                "layer \(layer): \(directory) is not empty; a layer is unpacked into an empty directory of its own",
                context: ["layer": layer]
            )
        }
        return root
    }
}
