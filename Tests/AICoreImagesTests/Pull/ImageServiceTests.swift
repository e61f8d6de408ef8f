import AICoreErrors
import AICoreSystem
import Foundation
import Logging
import Synchronization
import Testing
@testable import AICoreImages

/// Pulls from real OCI layouts made with umoci: the same path a registry pull takes after the
/// transfer (verify, store, unpack once per chain ID, switch the name last).
@Suite("Pulling an image stores it, unpacks each layer once, and switches the name last")
struct ImageServiceTests {
    let logger = Logger(label: "aicore.images.test")

    /// A layout with `app:1` (a base layer of /etc files, then busybox) and `app:2` (app:1 plus
    /// a file), so the two share their first two layers.
    func makeLayout(in parent: String) async throws -> OCILayoutBuilder {
        let files = "\(parent)/files"
        try FileIO.makeDirectories("\(files)/etc", mode: 0o755)
        try FileIO.write("\(files)/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        try FileIO.write("\(files)/etc/group", "root:x:0:\napp:x:1000:\n")
        try FileIO.write("\(parent)/version", "2\n")
        let layout = try await OCILayoutBuilder.make(at: "\(parent)/layout")
        try await layout.new("1")
        try await layout.insert("1", files, at: "/")
        try await layout.insert("1", "/bin/busybox", at: "/bin/busybox")
        try await layout.tag("1", as: "2")
        try await layout.insert("2", "\(parent)/version", at: "/app/version")
        return layout
    }

    @Test("A pull records the image, keeps its blobs, and unpacks its layers into overlay lowerdirs")
    func pullsFromALayout() async throws {
        let parent = try temporaryDirectory("pull")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)
        let reference = try ImageReference(parsing: "localhost/app:1")

        let record = try await service.pull(reference, from: source)
        let expected = try layout.manifest("1")
        #expect(record.name == "localhost/app:1")
        #expect(record.manifest.digest == expected.descriptor.digest)
        #expect(record.config.digest == expected.manifest.config.digest)
        #expect(record.layers == expected.manifest.layers)
        #expect(record.platform == Platform.host)
        #expect(await service.image("localhost/app:1") == record)
        #expect(await service.image(String(record.id.hex.prefix(12))) == record)

        let lowers = service.lowerDirectories(of: record)
        #expect(lowers.count == 2)
        // Top first: busybox's layer, then the /etc files.
        #expect(FileIO.exists(lowers[0] + "/bin/busybox"))
        #expect(try FileIO.readString(lowers[1] + "/etc/passwd").contains("app:x:1000"))
        for layer in record.layers { #expect(service.content.contains(layer.digest)) }
        #expect(service.content.contains(record.manifest.digest))

        // A new service over the same directory (an agent restart) knows the image.
        let reopened = try await ImageService.open(root: "\(parent)/images", logger: logger)
        #expect(await reopened.image("localhost/app:1") == record)
    }

    @Test("Two images sharing layers unpack the shared ones once")
    func sharesLayers() async throws {
        let parent = try temporaryDirectory("share")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)

        let phases = PhaseLog()
        let first = try await service.pull(try ImageReference(parsing: "localhost/app:1"), from: source)
        let second = try await service.pull(try ImageReference(parsing: "localhost/app:2"), from: source) { phases.append($0) }
        #expect(Array(second.chainIDs.prefix(2)) == first.chainIDs)
        #expect(try service.layerStore.layers().count == 3)
        // The two shared layers were reported as already here; only the new one was fetched.
        #expect(phases.layers(in: .exists).count == 2)
        let layerDigests = second.layers.map(\.digest)
        #expect(phases.layers(in: .downloading).filter(layerDigests.contains) == [second.layers[2].digest])
    }

    @Test("Pulls that finish together each keep their name: catalog changes are made one after another")
    func concurrentCommitsLoseNoName() async throws {
        let parent = try temporaryDirectory("commits")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let record = try await service.pull(try ImageReference(parsing: "localhost/app:1"), from: try OCILayoutSource(directory: layout.directory))
        let names = (0..<24).map { "localhost/copy\($0):1" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names {
                var copy = record
                copy.name = name
                group.addTask { try await service.commit(copy) }
            }
            try await group.waitForAll()
        }
        let expected = Set(names + ["localhost/app:1"])
        #expect(Set(await service.images().map(\.name)) == expected)
        let reopened = try await ImageService.open(root: "\(parent)/images", logger: logger)
        #expect(Set(await reopened.images().map(\.name)) == expected)
    }

    @Test("A blob that does not match its digest fails the pull and leaves the name where it was")
    func corruptBlobChangesNothing() async throws {
        let parent = try temporaryDirectory("corrupt")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)
        let reference = try ImageReference(parsing: "localhost/app:1")
        let before = try await service.pull(reference, from: source)

        // app:2 now points the name at a manifest whose new layer is damaged on disk.
        try await layout.tag("2", as: "1")
        let damaged = try layout.manifest("2").manifest.layers[2].digest
        var bytes = try FileIO.read(layout.blobPath(damaged))
        bytes[bytes.count / 2] ^= 0xff
        try FileIO.setMode(layout.blobPath(damaged), 0o644)
        try FileIO.write(layout.blobPath(damaged), bytes)

        await #expect {
            try await service.pull(reference, from: try OCILayoutSource(directory: layout.directory))
        } throws: { error in
            (error as? AICoreError)?.code == .digestMismatch
        }
        #expect(await service.image("localhost/app:1") == before)
        #expect(!service.content.contains(damaged))
        #expect(try service.content.partials().isEmpty)
        #expect(try service.layerStore.layers().count == 2)
        #expect(try service.layerStore.abandoned().isEmpty)
        let reopened = try await ImageService.open(root: "\(parent)/images", logger: logger)
        #expect(await reopened.image("localhost/app:1") == before)
    }

    @Test("A config that names a layer by sha512 is refused before anything is fetched: it could not be checked")
    func sha512DiffIDIsRefused() async throws {
        let parent = try temporaryDirectory("sha512")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let (_, manifest) = try layout.manifest("1")
        // The same image, its config's first diff ID rewritten as a sha512 one.
        var config = try #require(try JSONSerialization.jsonObject(with: Data(FileIO.read(layout.blobPath(manifest.config.digest)))) as? [String: Any])
        var rootfs = try #require(config["rootfs"] as? [String: Any])
        var diffIDs = try #require(rootfs["diff_ids"] as? [String])
        diffIDs[0] = "sha512:" + String(repeating: "0", count: 128)
        rootfs["diff_ids"] = diffIDs
        config["rootfs"] = rootfs
        let configBytes = Array(try JSONSerialization.data(withJSONObject: config, options: .sortedKeys))
        let configDigest = Digest.sha256(of: configBytes)
        try FileIO.write(layout.blobPath(configDigest), configBytes)
        var edited = manifest
        edited.config = Descriptor(mediaType: manifest.config.mediaType, digest: configDigest, size: Int64(configBytes.count))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let manifestBytes = Array(try encoder.encode(edited))
        let manifestDigest = Digest.sha256(of: manifestBytes)
        try FileIO.write(layout.blobPath(manifestDigest), manifestBytes)
        let index = ImageIndex(manifests: [Descriptor(
            mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifestBytes.count),
            annotations: ["org.opencontainers.image.ref.name": "sha512"]
        )])
        try FileIO.write("\(layout.directory)/index.json", Array(try encoder.encode(index)))

        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let phases = PhaseLog()
        await #expect {
            try await service.pull(try ImageReference(parsing: "localhost/app:sha512"), from: try OCILayoutSource(directory: layout.directory)) { phases.append($0) }
        } throws: { error in
            guard let error = error as? AICoreError else { return false }
            return error.code == .invalidImage && error.message.contains("by sha512") && error.message.contains("verifies layers by sha256 only")
        }
        // Only the config was read: no layer.
        #expect(phases.layers(in: .downloading).filter(manifest.layers.map(\.digest).contains).isEmpty)
        #expect(await service.images().isEmpty)
        #expect(try service.layerStore.layers().isEmpty)
    }

    @Test("An index picks this node's platform, and says what it has when none fits")
    func choosesThePlatform() async throws {
        let parent = try temporaryDirectory("index")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await makeLayout(in: parent)
        let one = try layout.manifest("1").descriptor
        let two = try layout.manifest("2").descriptor
        // A hand-written index: app:1 for arm64, app:2 for this host.
        var armEntry = one
        armEntry.annotations = nil
        armEntry.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        var hostEntry = two
        hostEntry.annotations = nil
        hostEntry.platform = Platform.host
        let index = ImageIndex(manifests: [armEntry, hostEntry])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let indexBytes = Array(try encoder.encode(index))
        let indexDigest = Digest.sha256(of: indexBytes)
        try FileIO.write(layout.blobPath(indexDigest), indexBytes)
        let top = ImageIndex(manifests: [Descriptor(
            mediaType: MediaType.ociIndex, digest: indexDigest, size: Int64(indexBytes.count),
            annotations: ["org.opencontainers.image.ref.name": "multi"]
        )])
        try FileIO.write("\(layout.directory)/index.json", Array(try encoder.encode(top)))

        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let record = try await service.pull(try ImageReference(parsing: "localhost/app:multi"), from: try OCILayoutSource(directory: layout.directory))
        #expect(record.target.digest == indexDigest)
        #expect(record.manifest.digest == two.digest)

        let s390x = try await ImageService.open(root: "\(parent)/images-s390x", platform: Platform(os: "linux", architecture: "s390x"), logger: logger)
        await #expect {
            try await s390x.pull(try ImageReference(parsing: "localhost/app:multi"), from: try OCILayoutSource(directory: layout.directory))
        } throws: { error in
            guard let error = error as? AICoreError else { return false }
            return error.code == .invalidImage && error.message.contains("linux/s390x") && error.message.contains("linux/arm64/v8")
        }
        #expect(await s390x.images().isEmpty)
    }
}

/// The progress a pull reported, for checking what it did.
final class PhaseLog: Sendable {
    private let events = Mutex<[PullProgress]>([])

    func append(_ event: PullProgress) { events.withLock { $0.append(event) } }

    /// The layers that reported `phase` at least once, in first-report order.
    func layers(in phase: PullProgress.Phase) -> [Digest] {
        var seen: [Digest] = []
        for event in events.withLock({ $0 }) where event.phase == phase {
            if let layer = event.layer, !seen.contains(layer) { seen.append(layer) }
        }
        return seen
    }
}
