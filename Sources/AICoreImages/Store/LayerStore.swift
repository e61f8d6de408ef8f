import AICoreErrors
import AICoreLayerFS
import AICoreSystem

/// Unpacked layers, one directory each, keyed by chain ID so that every image and instance that
/// stacks the same layers shares one copy on disk:
///
///     <root>/<chain hex>/                  the layer's files: an overlayfs lowerdir
///     <root>/.unpacking-<chain hex>-<pid>  a layer being unpacked (swept by prune)
///
/// A layer directory appears only by a rename once its uncompressed content hashed to the diff
/// ID the image's config names. Blocking: callers run it off the cooperative pool.
public struct LayerStore: Sendable {
    public let root: String

    public init(root: String) throws(AICoreError) {
        self.root = root
        do { try FileIO.makeDirectories(root, mode: 0o700) } catch {
            throw AICoreError(.systemCall, "cannot make the layer store \(root): \(error)", cause: error)
        }
    }

    public func path(of chainID: Digest) -> String { "\(root)/\(chainID.hex)" }

    public func contains(_ chainID: Digest) -> Bool { FileIO.isDirectory(path(of: chainID)) }

    /// Marks a layer whose root is opaque: nothing below it may be stacked (overlayfs ignores
    /// the opaque flag on a lowerdir's root).
    func hidesLowerMarker(of chainID: Digest) -> String { "\(root)/\(chainID.hex).hides-lower" }

    /// Whether the layer replaces everything below it.
    public func hidesLowerLayers(_ chainID: Digest) -> Bool { FileIO.exists(hidesLowerMarker(of: chainID)) }

    /// Unpacks the layer blob at `blobPath` as `chainID`, checking that its uncompressed content
    /// is `diffID`. A layer that is refused or does not match leaves nothing behind.
    public func unpack(blobPath: String, diffID: Digest, chainID: Digest, layer: Digest) throws(AICoreError) {
        if contains(chainID) { return }
        let temporary = "\(root)/.unpacking-\(chainID.hex)-\(FileIO.processSuffix)"
        do {
            try FileIO.removeTree(temporary)
            try FileIO.makeDirectories(temporary, mode: 0o755)
        } catch {
            throw AICoreError(.systemCall, "cannot make \(temporary): \(error)", cause: error)
        }
        do {
            let result = try LayerUnpacker().unpack(archivePath: blobPath, into: temporary, layer: layer.description)
            // ImageService refuses other algorithms before anything is fetched.
            guard diffID.algorithm == .sha256, result.uncompressedSHA256 == diffID.hex else {
                throw AICoreError(
                    .digestMismatch,
                    "layer \(layer) unpacks to sha256:\(result.uncompressedSHA256), not \(diffID) as the image's config says; the image is corrupt or was tampered with",
                    context: ["layer": layer.description]
                )
            }
            if result.hidesLowerLayers { try FileIO.write(hidesLowerMarker(of: chainID), "") }
            try FileIO.rename(temporary, to: path(of: chainID))
        } catch let error as AICoreError {
            try? FileIO.removeTree(temporary)
            throw error
        } catch {
            try? FileIO.removeTree(temporary)
            throw AICoreError(.systemCall, "cannot unpack layer \(layer): \(error)", cause: error)
        }
    }

    public func remove(_ chainID: Digest) throws(AICoreError) {
        do {
            try FileIO.removeTree(path(of: chainID))
            try FileIO.removeFile(hidesLowerMarker(of: chainID))
        } catch {
            throw AICoreError(.systemCall, "cannot remove layer \(chainID): \(error)", cause: error)
        }
    }

    /// The chain IDs of every unpacked layer.
    public func layers() throws(AICoreError) -> [Digest] {
        try names().compactMap { try? Digest(parsing: "sha256:\($0)") }
    }

    /// Directories left by unpacks that never finished (a crash, a killed agent).
    public func abandoned() throws(AICoreError) -> [String] {
        try names().filter { $0.hasPrefix(".unpacking-") }.map { "\(root)/\($0)" }
    }

    private func names() throws(AICoreError) -> [String] {
        do { return try FileIO.entries(of: root) } catch {
            throw AICoreError(.systemCall, "cannot list the layer store \(root): \(error)", cause: error)
        }
    }
}
