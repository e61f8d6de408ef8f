import AICoreErrors
import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension RegistryClient {
    /// What `reference` names in its registry now: the digest, media type and size of its
    /// manifest or index.
    ///
    /// A HEAD request (Docker Hub counts GETs of manifests against its rate limit, not HEADs);
    /// when the registry's answer lacks the digest, type or size, a GET whose body is hashed.
    public nonisolated func resolve(_ reference: ImageReference) async throws(AICoreError) -> Descriptor {
        let target = reference.digest?.description ?? reference.tag ?? "latest"
        let what = "resolving \(reference)"
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: MediaType.acceptedManifests.joined(separator: ", "))
        let request = RegistryRequest(
            method: .HEAD, path: "/v2/\(reference.repository)/manifests/\(target)", headers: headers,
            registry: reference.registry, repository: reference.repository, what: what
        )
        return try await retrying(what) { () async throws(AICoreError) -> Descriptor in
            let answer = try await send(request)
            let response = answer.response
            try await requireOK(answer, what: what, notFound: RegistryClient.imageNotFound(reference))
            let type = RegistryClient.mediaType(response.headers.first(name: "Content-Type"))
            if let type, MediaType.isSchema1(type) {
                throw RegistryClient.schema1Error(reference)
            }
            if let type, MediaType.isIndex(type) || MediaType.isManifest(type),
               let digestText = response.headers.first(name: "Docker-Content-Digest"),
               let digest = try? Digest(parsing: digestText.trimmingCharacters(in: .whitespaces)),
               let size = response.headers.first(name: "Content-Length").flatMap(Int64.init), size >= 0 {
                await RegistryClient.drain(response)
                if let wanted = reference.digest, wanted != digest {
                    throw AICoreError(.digestMismatch, "\(what): registry \(reference.registry) answered with digest \(digest) for \(wanted); the registry or a proxy in between is misbehaving")
                }
                return Descriptor(mediaType: type, digest: digest, size: size)
            }
            await RegistryClient.drain(response)
            logger.debug("the registry's HEAD answer lacks a digest, type or size; fetching the manifest", metadata: ["reference": "\(reference)"])
            return try await resolveByGet(reference, target: target, what: what)
        }
    }

    /// `resolve`, then the manifest for `platform` when the reference names an index (fetched
    /// and verified). When it names a single manifest, that manifest is returned as is: its
    /// platform is in its config, which the caller reads anyway.
    public nonisolated func resolve(_ reference: ImageReference, platform: Platform) async throws(AICoreError) -> ResolvedImage {
        let root = try await resolve(reference)
        guard MediaType.isIndex(root.mediaType) else {
            return ResolvedImage(root: root, manifest: root)
        }
        let bytes = try await manifest(reference, root)
        let index: ImageIndex
        do {
            index = try JSONDecoder().decode(ImageIndex.self, from: Data(bytes))
        } catch {
            throw AICoreError(.invalidImage, "the index of \(reference) (\(root.digest)) is not a valid image index; re-push the image", cause: error)
        }
        guard let chosen = platform.best(in: index.manifests) else {
            let offered = index.manifests.compactMap { $0.platform?.description }.filter { $0 != "unknown/unknown" }
            throw AICoreError(.invalidImage, "image \(reference) has no manifest for \(platform) (it offers \(offered.isEmpty ? "none" : offered.joined(separator: ", "))); pull one built for \(platform)")
        }
        return ResolvedImage(root: root, manifest: chosen, index: bytes)
    }

    /// The GET fallback of `resolve`: the manifest's own bytes give the digest and size, its
    /// `mediaType` field the type when the registry's `Content-Type` does not.
    nonisolated func resolveByGet(_ reference: ImageReference, target: String, what: String) async throws(AICoreError) -> Descriptor {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: MediaType.acceptedManifests.joined(separator: ", "))
        let request = RegistryRequest(
            method: .GET, path: "/v2/\(reference.repository)/manifests/\(target)", headers: headers,
            registry: reference.registry, repository: reference.repository, what: what
        )
        let answer = try await send(request)
        let response = answer.response
        try await requireOK(answer, what: what, notFound: RegistryClient.imageNotFound(reference))
        let headerType = RegistryClient.mediaType(response.headers.first(name: "Content-Type"))
        let bytes = try await readBody(response, limit: options.maximumManifestSize, what: "\(what): the manifest", host: answer.endpoint.host)
        let peek = ManifestPeek.decode(bytes)
        if peek?.schemaVersion == 1 || headerType.map(MediaType.isSchema1) == true {
            throw RegistryClient.schema1Error(reference)
        }
        let known = { (type: String) in MediaType.isIndex(type) || MediaType.isManifest(type) }
        guard let type = [headerType, peek?.mediaType].compactMap({ $0 }).first(where: known) else {
            let shown = peek?.mediaType ?? headerType ?? "none"
            throw AICoreError(.unsupportedMediaType, "\(what): the registry sent a manifest of type \(shown), which is not an image or an index aicore-node can pull")
        }
        var hasher = DigestHasher(algorithm: reference.digest?.algorithm ?? .sha256)
        hasher.update(bytes)
        let digest = hasher.finalize()
        if let wanted = reference.digest, wanted != digest {
            throw AICoreError(.digestMismatch, "\(what): the manifest registry \(reference.registry) sent hashes to \(digest), not \(wanted); nothing was kept")
        }
        return Descriptor(mediaType: type, digest: digest, size: Int64(bytes.count))
    }

    static func schema1Error(_ reference: ImageReference) -> AICoreError {
        AICoreError(.invalidImage, "image \(reference) is in Docker's schema1 format, which is not supported; re-push it with a current Docker or skopeo (schema2 or OCI)")
    }
}

extension RegistryClient {
    /// A tag or digest the registry does not have.
    static func imageNotFound(_ reference: ImageReference) -> String {
        "image \(reference) was not found in registry \(reference.registry); check the name and the tag"
    }
}
