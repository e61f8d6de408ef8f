import AICoreErrors

extension ImageService {
    /// `image save`: the archive of the images `names` name (as `image(_:)` finds them: a name,
    /// `name@digest`, an image ID), each once. Every name must be known and every blob in the
    /// store before the first byte: what fails here fails the request, not the archive halfway.
    public func archive(_ names: [String], chunkSize: Int = 1 << 20) async throws(AICoreError) -> ImageArchiveWriter {
        var records: [ImageRecord] = []
        var unknown: [String] = []
        for name in names {
            guard let record = image(name) else {
                unknown.append(name)
                continue
            }
            if !records.contains(where: { $0.name == record.name }) { records.append(record) }
        }
        guard unknown.isEmpty else {
            throw AICoreError(
                .notFound,
                "no image\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) on this node; `aicore-node image ls` lists them",
                context: ["images": unknown.joined(separator: ",")]
            )
        }
        let chosen = records
        return try await Self.blocking { [content] in try ImageArchiveWriter(images: chosen, content: content, chunkSize: chunkSize) }
    }
}
