import AICoreErrors

/// Where an image's content comes from: a registry (`RegistryClient`), or an OCI layout or a
/// `docker save` archive on disk (`image load`). Every answer is verified against the digest it
/// was asked for before it is returned or kept.
public protocol ImageSource: Sendable {
    /// What `reference` names now: an index or a manifest.
    func resolve(_ reference: ImageReference) async throws(AICoreError) -> Descriptor

    /// The bytes of the manifest or index `descriptor` names, verified.
    func manifest(_ reference: ImageReference, descriptor: Descriptor) async throws(AICoreError) -> [UInt8]

    /// Streams the blob `descriptor` names into `partialPath`, continuing from the bytes already
    /// there where the source can; the caller verifies and commits the file.
    func fetchBlob(
        _ reference: ImageReference,
        descriptor: Descriptor,
        to partialPath: String,
        progress: @escaping @Sendable (_ received: UInt64, _ total: UInt64) -> Void
    ) async throws(AICoreError)
}
