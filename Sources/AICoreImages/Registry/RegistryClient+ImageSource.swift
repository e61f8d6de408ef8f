import AICoreErrors

/// A registry is where pulls come from.
extension RegistryClient: ImageSource {
    public nonisolated func manifest(_ reference: ImageReference, descriptor: Descriptor) async throws(AICoreError) -> [UInt8] {
        try await manifest(reference, descriptor)
    }

    public nonisolated func fetchBlob(
        _ reference: ImageReference,
        descriptor: Descriptor,
        to partialPath: String,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void
    ) async throws(AICoreError) {
        try await fetchBlob(reference, descriptor, to: partialPath, progress: progress)
    }
}
