import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

@Suite("Pulling from a real docker-registry (no authentication)", .localRegistry(.open))
struct RegistryClientTests {
    @Test(
        "A tag resolves to the digest skopeo pushed, and the manifest fetched by it is verified",
        arguments: zip(
            ["test/schema2:v1", "test/oci:v1", "test/zstd:v1"],
            [MediaType.dockerManifest, MediaType.ociManifest, MediaType.ociManifest]
        )
    )
    func resolvesTag(name: String, type: String) async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference(name)
        let (byTag, byDigest, bytes) = try await TestClient.with { client in
            let byTag = try await client.resolve(reference)
            let byDigest = try await client.resolve(reference.pinned(to: byTag.digest))
            return (byTag, byDigest, try await client.manifest(reference, byTag))
        }
        #expect(byTag.digest == (try registry.digest(of: name)))
        #expect(byTag.mediaType == type)
        #expect(byDigest == byTag)
        #expect(Digest.sha256(of: bytes) == byTag.digest)
        #expect(Int64(bytes.count) == byTag.size)
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(bytes))
        #expect(manifest.layers.count == 2)
        #expect(MediaType.isConfig(manifest.config.mediaType))
    }

    @Test("An index with two platforms: resolve gives the index, and each platform gets its own manifest")
    func multiPlatform() async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference("test/multi:v1")
        let (root, amd64, arm64, aarch64) = try await TestClient.with { client in
            (
                try await client.resolve(reference),
                try await client.resolve(reference, platform: Platform(os: "linux", architecture: "amd64")),
                try await client.resolve(reference, platform: Platform(os: "linux", architecture: "arm64", variant: "v8")),
                try await client.resolve(reference, platform: Platform(parsing: "linux/aarch64"))
            )
        }
        #expect(root.mediaType == MediaType.ociIndex)
        #expect(root.digest == (try registry.digest(of: "test/multi:v1")))
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try #require(amd64.index)))
        #expect(index.manifests.count == 2)
        #expect(amd64.root == root)
        #expect(amd64.manifest.platform?.architecture == "amd64")
        #expect(arm64.manifest.platform?.architecture == "arm64")
        #expect(amd64.manifest.digest != arm64.manifest.digest)
        #expect(aarch64.manifest == arm64.manifest)
        #expect(Set(index.manifests.map(\.digest)) == [amd64.manifest.digest, arm64.manifest.digest])

        // The chosen manifest is itself fetched and verified like any other.
        let manifest = try await TestClient.with { try await $0.manifest(reference, arm64.manifest) }
        #expect(Digest.sha256(of: manifest) == arm64.manifest.digest)

        let error = await thrownError {
            _ = try await TestClient.with { try await $0.resolve(reference, platform: Platform(os: "linux", architecture: "s390x")) }
        }
        #expect(error?.code == .invalidImage)
        #expect(error?.message.contains("no manifest for linux/s390x") == true)
        #expect(error?.message.contains("linux/amd64") == true)
    }

    @Test("A single-platform image resolves to itself for any platform (its config says which)")
    func singleManifestForPlatform() async throws {
        let registry = try LocalRegistry.require()
        let resolved = try await TestClient.with { try await $0.resolve(registry.reference("test/oci:v1"), platform: .host) }
        #expect(resolved.root == resolved.manifest)
        #expect(resolved.index == nil)
    }

    @Test(
        "gzip and zstd layers and the config are downloaded to the partial file and verified",
        arguments: ["test/schema2:v1", "test/oci:v1", "test/zstd:v1"]
    )
    func blobs(name: String) async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference(name)
        let directory = try TemporaryDirectory("blobs")
        try await cleaningUp([directory]) {
            let manifest = try await TestClient.with { client in
                let descriptor = try await client.resolve(reference)
                let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(try await client.manifest(reference, descriptor)))
                for blob in [manifest.config] + manifest.layers {
                    let progress = ProgressRecorder()
                    try await client.fetchBlob(reference, blob, to: directory.file(blob.digest.hex)) { progress.record($0, $1) }
                    #expect(progress.last.map { [$0.0, $0.1] } == [UInt64(blob.size), UInt64(blob.size)])
                }
                return manifest
            }
            for blob in [manifest.config] + manifest.layers {
                #expect(try await TestFiles.digest(directory.file(blob.digest.hex)) == blob.digest)
            }
            let magic = Array(try await TestFiles.bytes(directory.file(manifest.layers[0].digest.hex)).prefix(4))
            if name == "test/zstd:v1" {
                #expect(manifest.layers.allSatisfy { $0.mediaType == MediaType.ociLayerZstd })
                #expect(magic == [0x28, 0xb5, 0x2f, 0xfd])
            } else {
                #expect(manifest.layers.allSatisfy { MediaType.layerCompression($0.mediaType) == .gzip })
                #expect(Array(magic.prefix(2)) == [0x1f, 0x8b])
            }
        }
    }

    @Test("A tag that does not exist is .notFound, naming the reference")
    func missingTag() async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference("test/oci:nope")
        let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
        #expect(error?.code == .notFound)
        #expect(error?.message == "image \(reference) was not found in registry \(registry.host); check the name and the tag")
    }

    /// The client resumes from what it kept: the bytes it had read when the connection
    /// dropped. That is at most `cut` (NIO drops what was still in the socket's buffer when
    /// the peer's close is seen), and exactly what the Range asks for next.
    @Test("A download cut mid-blob resumes with Range: bytes=N- and fetches only the missing bytes")
    func resumesCutDownload() async throws {
        let registry = try LocalRegistry.require()
        let layer = try await largestLayer(registry)
        let cut = 100_000
        let proxy = try await RegistryProxy.start(upstream: registry.host, fault: .cut(after: cut))
        let directory = try TemporaryDirectory("resume")
        try await cleaningUp([directory], servers: [proxy]) {
            let reference = try ImageReference(parsing: "\(proxy.authority)/test/oci:v1")
            let partial = directory.file("partial")

            try await TestClient.with { try await $0.fetchBlob(reference, layer, to: partial) }

            #expect(try await TestFiles.digest(partial) == layer.digest)
            let ranges = proxy.requests.filter { $0.path.hasSuffix("/blobs/\(layer.digest)") }.map { $0.header("Range") }
            try #require(ranges.count == 2)
            #expect(ranges[0] == nil)
            let kept = try #require(ranges[1].flatMap { Int($0.dropFirst("bytes=".count).dropLast()) })
            #expect(ranges[1] == "bytes=\(kept)-")
            #expect(kept > 0 && kept <= cut)
            // The cut response sent `cut` bytes; the resumed one only what the client lacked.
            #expect(proxy.bodyBytesSent == cut + Int(layer.size) - kept)
        }
    }

    @Test("A partial file from an earlier pull is hashed and resumed, not downloaded again")
    func resumesEarlierPartial() async throws {
        let registry = try LocalRegistry.require()
        let layer = try await largestLayer(registry)
        let directory = try TemporaryDirectory("partial")
        let proxy = try await RegistryProxy.start(upstream: registry.host, fault: .none)
        try await cleaningUp([directory], servers: [proxy]) {
            let reference = try ImageReference(parsing: "\(proxy.authority)/test/oci:v1")
            // The first bytes of the real blob, as an interrupted pull leaves them.
            let whole = directory.file("whole")
            try await TestClient.with { try await $0.fetchBlob(try registry.reference("test/oci:v1"), layer, to: whole) }
            let have = 150_000
            let partial = directory.file("partial")
            try await TestFiles.write(partial, Array(try await TestFiles.bytes(whole).prefix(have)))

            let progress = ProgressRecorder()
            try await TestClient.with { try await $0.fetchBlob(reference, layer, to: partial) { progress.record($0, $1) } }

            #expect(try await TestFiles.digest(partial) == layer.digest)
            let ranges = proxy.requests.filter { $0.path.hasSuffix("/blobs/\(layer.digest)") }.map { $0.header("Range") }
            #expect(ranges == ["bytes=\(have)-"])
            #expect(proxy.bodyBytesSent == Int(layer.size) - have)
            #expect(progress.first?.0 == UInt64(have))
        }
    }

    @Test("A download that stalls is abandoned after the stall timeout and resumed")
    func resumesStalledDownload() async throws {
        let registry = try LocalRegistry.require()
        let layer = try await largestLayer(registry)
        let stall = 64_000
        let proxy = try await RegistryProxy.start(upstream: registry.host, fault: .stall(after: stall))
        let directory = try TemporaryDirectory("stall")
        try await cleaningUp([directory], servers: [proxy]) {
            let reference = try ImageReference(parsing: "\(proxy.authority)/test/oci:v1")
            var options = TestClient.fast
            // The stall timeout is also the read timeout from the request on: long enough for the
            // first bytes to arrive on a loaded machine.
            options.stallTimeout = .seconds(3)

            try await TestClient.with(options: options) { try await $0.fetchBlob(reference, layer, to: directory.file("partial")) }

            #expect(try await TestFiles.digest(directory.file("partial")) == layer.digest)
            let ranges = proxy.requests.filter { $0.path.hasSuffix("/blobs/\(layer.digest)") }.map { $0.header("Range") }
            // Resumed from what had reached the disk: the stalled prefix, or (when even the first
            // bytes came later than the timeout) nothing, and then from the start.
            #expect(ranges.first == .some(nil))
            #expect(ranges.count >= 2)
            #expect(ranges.dropFirst().allSatisfy { $0 == nil || $0 == "bytes=\(stall)-" }, "\(ranges)")
        }
    }

    /// The 256 KiB random layer of `test/oci:v1`.
    private func largestLayer(_ registry: LocalRegistry) async throws -> Descriptor {
        let reference = try registry.reference("test/oci:v1")
        let manifest = try await TestClient.with { client in
            let descriptor = try await client.resolve(reference)
            return try JSONDecoder().decode(ImageManifest.self, from: Data(try await client.manifest(reference, descriptor)))
        }
        let layer = try #require(manifest.layers.max { $0.size < $1.size })
        try #require(layer.size > 200_000)
        return layer
    }
}
