import AICoreErrors
import NIOHTTP1

extension RegistryClient {
    /// The bytes of the manifest or index `descriptor` names, from `reference`'s repository,
    /// verified: at most `Options.maximumManifestSize` bytes (counted while reading, whatever
    /// `Content-Length` says), of exactly the descriptor's size and digest, and of a media type
    /// this node reads. Nothing is returned unless all of that holds.
    public nonisolated func manifest(_ reference: ImageReference, _ descriptor: Descriptor) async throws(AICoreError) -> [UInt8] {
        let what = "fetching manifest \(descriptor.digest) of \(reference.name)"
        try RegistryClient.checkManifestType(descriptor.mediaType, reference: reference)
        guard descriptor.size >= 0, descriptor.size <= Int64(options.maximumManifestSize) else {
            throw AICoreError(.invalidImage, "\(what): its descriptor says \(descriptor.size) bytes, more than the limit of \(options.maximumManifestSize); the image was refused")
        }
        var headers = HTTPHeaders()
        // The descriptor's type first: a registry that stores several picks that one.
        let accepted = [descriptor.mediaType] + MediaType.acceptedManifests.filter { $0 != descriptor.mediaType }
        headers.add(name: "Accept", value: accepted.joined(separator: ", "))
        let request = RegistryRequest(
            method: .GET, path: "/v2/\(reference.repository)/manifests/\(descriptor.digest)", headers: headers,
            registry: reference.registry, repository: reference.repository, what: what
        )
        return try await retrying(what) { () async throws(AICoreError) -> [UInt8] in
            let answer = try await send(request)
            let response = answer.response
            try await requireOK(answer, what: what,
                                notFound: "manifest \(descriptor.digest) of \(reference.name) was not found in registry \(reference.registry); the image may have been deleted, pull it again by tag")
            let bytes = try await readBody(response, limit: options.maximumManifestSize, what: what, host: answer.endpoint.host)
            var hasher = DigestHasher(algorithm: descriptor.digest.algorithm)
            hasher.update(bytes)
            let digest = hasher.finalize()
            guard digest == descriptor.digest, Int64(bytes.count) == descriptor.size else {
                throw AICoreError(.digestMismatch, "\(what): registry \(reference.registry) sent \(bytes.count) bytes hashing to \(digest), not the \(descriptor.size) bytes of \(descriptor.digest); nothing was kept, pull again (if it recurs, the registry or a proxy is corrupting content)")
            }
            // The content names its own type; one that contradicts the descriptor is the
            // manifest-confusion trick (an index served as a manifest or the other way round).
            if let peek = ManifestPeek.decode(bytes) {
                if peek.schemaVersion == 1 { throw RegistryClient.schema1Error(reference) }
                if let own = peek.mediaType, own != descriptor.mediaType {
                    throw AICoreError(.invalidImage, "\(what): the manifest says it is \(own) but was referenced as \(descriptor.mediaType); the image is malformed, re-push it")
                }
            }
            return bytes
        }
    }

    /// Indexes and image manifests are read; schema1 is refused with what to do about it, and
    /// anything else (an encrypted manifest, an artifact) is not pulled.
    static func checkManifestType(_ type: String, reference: ImageReference) throws(AICoreError) {
        if MediaType.isIndex(type) || MediaType.isManifest(type) { return }
        if MediaType.isSchema1(type) { throw schema1Error(reference) }
        let why = type.contains("+encrypted") ? "encrypted images are not supported" : "it is not an image manifest or index aicore-node can pull"
        throw AICoreError(.unsupportedMediaType, "\(reference) refers to content of type \(type): \(why)")
    }
}
