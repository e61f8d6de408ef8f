import AICoreErrors
import AICoreSystem
import Logging
import Testing
@testable import AICoreImages

@Suite("Removing and pruning images frees only what nothing uses")
struct ImageServiceRemovalTests {
    let logger = Logger(label: "aicore.images.test")

    @Test("An image in use is not removed, and the refusal names its users")
    func refusesInUse() async throws {
        let parent = try temporaryDirectory("rm-in-use")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await ImageServiceTests().makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        try await service.pull(try ImageReference(parsing: "localhost/app:1"), from: try OCILayoutSource(directory: layout.directory))

        await #expect {
            _ = try await service.remove("localhost/app:1", users: ["demo/api/demo-api-1"], keepLayers: [])
        } throws: { error in
            guard let error = error as? AICoreError else { return false }
            return error.code == .conflict && error.message.contains("demo/api/demo-api-1")
        }
        #expect(await service.image("localhost/app:1") != nil)
        await #expect { _ = try await service.remove("localhost/nope:1", users: [], keepLayers: []) } throws: { error in
            (error as? AICoreError)?.code == .notFound
        }
    }

    @Test("Removing one of two images that share layers keeps the shared ones")
    func keepsSharedLayers() async throws {
        let parent = try temporaryDirectory("rm-shared")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await ImageServiceTests().makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)
        let one = try await service.pull(try ImageReference(parsing: "localhost/app:1"), from: source)
        let two = try await service.pull(try ImageReference(parsing: "localhost/app:2"), from: source)

        let cleanup = try await service.remove("localhost/app:2", users: [], keepLayers: [])
        #expect(cleanup.removedImages == ["localhost/app:2"])
        #expect(cleanup.removedLayers == 1)
        #expect(try service.layerStore.layers().sorted() == one.chainIDs.sorted())
        // app:2's config, manifest and own layer went; app:1's blobs stay.
        #expect(!service.content.contains(two.config.digest))
        #expect(!service.content.contains(two.layers[2].digest))
        for layer in one.layers { #expect(service.content.contains(layer.digest)) }
        #expect(await service.image("localhost/app:1") == one)
    }

    @Test("Prune sweeps partial downloads, abandoned unpacks and unreferenced layers, but keeps layers under instances")
    func prunes() async throws {
        let parent = try temporaryDirectory("prune")
        defer { try? FileIO.removeTree(parent) }
        let layout = try await ImageServiceTests().makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)
        try await service.pull(try ImageReference(parsing: "localhost/app:1"), from: source)
        let two = try await service.pull(try ImageReference(parsing: "localhost/app:2"), from: source)

        try FileIO.write(service.content.partialPath(of: Digest.sha256(of: [1])), "half a download")
        try FileIO.makeDirectories("\(service.layerStore.root)/.unpacking-\(String(repeating: "c", count: 64))-1")

        // Without --all nothing named goes; only the leftovers.
        let light = try await service.prune(all: false, inUse: [], keepLayers: [])
        #expect(light.removedImages.isEmpty)
        #expect(light.removedPartials == 2)
        #expect(light.removedLayers == 0)

        // --all drops app:2 (not in use), but an instance still runs on app:2's top layer.
        let topOfTwo = try #require(two.chainIDs.last)
        let all = try await service.prune(all: true, inUse: ["localhost/app:1"], keepLayers: [topOfTwo])
        #expect(all.removedImages == ["localhost/app:2"])
        #expect(all.removedLayers == 0)
        #expect(service.layerStore.contains(topOfTwo))
        #expect(await service.images().map(\.name) == ["localhost/app:1"])

        let final = try await service.prune(all: true, inUse: [], keepLayers: [])
        #expect(final.removedImages == ["localhost/app:1"])
        #expect(final.removedLayers == 3)
        #expect(try service.layerStore.layers().isEmpty)
        #expect(try service.content.blobs().isEmpty)
        let usage = try await service.diskUsage()
        #expect(usage == ImageDiskUsage(images: 0, contentBytes: 0, layerBytes: 0, partialBytes: 0))
    }
}
