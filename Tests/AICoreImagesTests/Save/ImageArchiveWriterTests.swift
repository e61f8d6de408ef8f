import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Foundation
import Logging
import Testing
@testable import AICoreImages

/// `image save`'s archive, read back by the tools that must accept it: GNU tar, skopeo, and
/// `image load` itself. The images are real ones made with umoci and pulled into a store.
@Suite("Saving images writes an OCI archive of the blobs as stored, each once, verified on the way")
struct ImageArchiveWriterTests {
    let logger = Logger(label: "aicore.images.test")

    /// A store holding `localhost/app:1` (two layers) and `localhost/app:2` (the same two and
    /// one more), pulled from a umoci layout.
    func makeStore(in parent: String) async throws -> (service: ImageService, layout: OCILayoutBuilder) {
        let layout = try await ImageServiceTests().makeLayout(in: parent)
        let service = try await ImageService.open(root: "\(parent)/images", logger: logger)
        let source = try OCILayoutSource(directory: layout.directory)
        for tag in ["1", "2"] {
            try await service.pull(try ImageReference(parsing: "localhost/app:\(tag)"), from: source)
        }
        return (service, layout)
    }

    /// Writes the archive to `path` as the agent streams it, a chunk at a time.
    func write(_ archive: ImageArchiveWriter, to path: String) async throws {
        for try await chunk in archive {
            try await offload { try FileIO.append(path, chunk) }
        }
    }

    /// `tar -t` of the archive: its members' names, in order.
    func members(of path: String) async throws -> [String] {
        let listed = try await OCILayoutBuilder.run("tar", ["-tf", path])
        return listed.split(separator: "\n").map(String.init)
    }

    /// One member's bytes, as GNU tar extracts it.
    func member(_ name: String, of path: String) async throws -> [UInt8] {
        Array(try await OCILayoutBuilder.run("tar", ["-xOf", path, name]).utf8)
    }

    @Test("The archive is an OCI layout with Docker's manifest.json, every blob once")
    func writesTheLayout() async throws {
        let parent = try temporaryDirectory("save")
        defer { try? FileIO.removeTree(parent) }
        let (service, _) = try await makeStore(in: parent)
        let one = try #require(await service.image("localhost/app:1"))
        let two = try #require(await service.image("localhost/app:2"))
        let archive = "\(parent)/app.tar"
        try await write(try await service.archive(["localhost/app:1", "localhost/app:2", "localhost/app:1"]), to: archive)

        // Every manifest, config and layer once: app:2 shares app:1's two layers.
        let blobs = Set([one.manifest, one.config, two.manifest, two.config].map(\.digest) + (one.layers + two.layers).map(\.digest))
        #expect(blobs.count == 7)
        let names = try await members(of: archive)
        #expect(names == ["oci-layout", "index.json", "manifest.json", "blobs/", "blobs/sha256/"]
            + names.filter { $0.hasPrefix("blobs/sha256/") && $0.count > 13 })
        #expect(Set(names.dropFirst(5)) == Set(blobs.map { "blobs/sha256/\($0.hex)" }))
        #expect(names.count == 5 + 7)
        // Each blob is the stored file, byte for byte.
        try FileIO.makeDirectories("\(parent)/extracted", mode: 0o700)
        try await OCILayoutBuilder.run("tar", ["-xf", archive, "-C", "\(parent)/extracted"])
        for digest in blobs {
            #expect(try FileIO.read("\(parent)/extracted/blobs/sha256/\(digest.hex)") == FileIO.read(service.content.path(of: digest)))
        }

        #expect(String(decoding: try await member("oci-layout", of: archive), as: UTF8.self) == #"{"imageLayoutVersion":"1.0.0"}"#)
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try await member("index.json", of: archive)))
        #expect(index.mediaType == MediaType.ociIndex)
        #expect(index.manifests.map(\.digest) == [one.manifest.digest, two.manifest.digest])
        #expect(index.manifests.map { $0.annotations ?? [:] } == [
            ["org.opencontainers.image.ref.name": "1", "io.containerd.image.name": "localhost/app:1"],
            ["org.opencontainers.image.ref.name": "2", "io.containerd.image.name": "localhost/app:2"],
        ])
        let docker = try JSONDecoder().decode([ImageArchiveWriter.DockerEntry].self, from: Data(try await member("manifest.json", of: archive)))
        #expect(docker == [
            .init(config: "blobs/sha256/\(one.config.digest.hex)", repoTags: ["localhost/app:1"], layers: one.layers.map { "blobs/sha256/\($0.digest.hex)" }),
            .init(config: "blobs/sha256/\(two.config.digest.hex)", repoTags: ["localhost/app:2"], layers: two.layers.map { "blobs/sha256/\($0.digest.hex)" }),
        ])
    }

    @Test("Names that share one manifest are one manifest.json entry and one blob, named twice in index.json")
    func namesOfOneManifest() async throws {
        let parent = try temporaryDirectory("save-tags")
        defer { try? FileIO.removeTree(parent) }
        let (service, layout) = try await makeStore(in: parent)
        try await service.pull(try ImageReference(parsing: "localhost/app:latest"), from: OCILayoutEntrySource(
            layout: try OCILayoutSource(directory: layout.directory), entry: try layout.manifest("1").descriptor))
        let archive = "\(parent)/app.tar"
        try await write(try await service.archive(["localhost/app:1", "localhost/app:latest"]), to: archive)

        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try await member("index.json", of: archive)))
        #expect(index.manifests.map { $0.annotations?["org.opencontainers.image.ref.name"] } == ["1", "latest"])
        #expect(Set(index.manifests.map(\.digest)).count == 1)
        let docker = try JSONDecoder().decode([ImageArchiveWriter.DockerEntry].self, from: Data(try await member("manifest.json", of: archive)))
        #expect(docker.map(\.repoTags) == [["localhost/app:1", "localhost/app:latest"]])
        #expect(try await members(of: archive).count == 5 + 4)
    }

    @Test("skopeo reads the archive by tag and copies it with the same layer digests")
    func skopeoReadsIt() async throws {
        let parent = try temporaryDirectory("save-skopeo")
        defer { try? FileIO.removeTree(parent) }
        let (service, _) = try await makeStore(in: parent)
        let two = try #require(await service.image("localhost/app:2"))
        let archive = "\(parent)/app.tar"
        try await write(try await service.archive(["localhost/app:1", "localhost/app:2"]), to: archive)

        let inspected = try await OCILayoutBuilder.run("skopeo", ["inspect", "oci-archive:\(archive):2"])
        let inspection = try JSONDecoder().decode(SkopeoInspection.self, from: Data(inspected.utf8))
        #expect(inspection.layers == two.layers.map(\.digest.description))
        #expect(inspection.digest == two.manifest.digest.description)

        try await OCILayoutBuilder.run("skopeo", ["copy", "oci-archive:\(archive):2", "oci:\(parent)/copy:2"])
        let copied = try OCILayoutBuilder(directory: "\(parent)/copy").manifest("2")
        #expect(copied.manifest.layers.map(\.digest) == two.layers.map(\.digest))
        #expect(copied.manifest.config.digest == two.config.digest)
    }

    struct SkopeoInspection: Decodable {
        var digest: String
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case digest = "Digest"
            case layers = "Layers"
        }
    }

    @Test("image load of a saved archive into a new store gives the same images")
    func roundTrips() async throws {
        let parent = try temporaryDirectory("save-load")
        defer { try? FileIO.removeTree(parent) }
        let (service, _) = try await makeStore(in: parent)
        let archive = "\(parent)/app.tar"
        try await write(try await service.archive(["localhost/app:1", "localhost/app:2"]), to: archive)

        let fresh = try await ImageService.open(root: "\(parent)/fresh", logger: logger)
        let loaded = try await ImageArchive.load(archive, into: fresh)
        #expect(loaded.map(\.name) == ["localhost/app:1", "localhost/app:2"])
        for name in ["localhost/app:1", "localhost/app:2"] {
            let original = try #require(await service.image(name))
            let copy = try #require(await fresh.image(name))
            #expect(copy.manifest.digest == original.manifest.digest)
            #expect(copy.config.digest == original.config.digest)
            #expect(copy.layers == original.layers)
            #expect(copy.chainIDs == original.chainIDs)
        }
        // The same store saves to the same bytes.
        let again = "\(parent)/again.tar"
        try await write(try await service.archive(["localhost/app:1", "localhost/app:2"]), to: again)
        #expect(try FileIO.read(again) == FileIO.read(archive))
    }

    @Test("A stored blob that no longer matches its digest fails the save before the blob's last chunk")
    func tamperedBlobFailsTheSave() async throws {
        let parent = try temporaryDirectory("save-tamper")
        defer { try? FileIO.removeTree(parent) }
        let (service, _) = try await makeStore(in: parent)
        let two = try #require(await service.image("localhost/app:2"))
        // busybox's layer: many chunks of 4 KiB, damaged in the middle.
        let damaged = two.layers[1]
        let path = service.content.path(of: damaged.digest)
        var bytes = try FileIO.read(path)
        bytes[bytes.count / 2] ^= 0xff
        try FileIO.setMode(path, 0o600)
        try FileIO.write(path, bytes)

        let archive = try await service.archive(["localhost/app:2"], chunkSize: 4096)
        var written: [UInt8] = []
        await #expect {
            for try await chunk in archive { written += chunk }
        } throws: { error in
            (error as? AICoreError)?.code == .digestMismatch && "\(error)".contains(damaged.digest.description)
        }
        // The damaged blob was the last thing begun, and not all of it went out.
        let name = Array("blobs/sha256/\(damaged.digest.hex)".utf8)
        let header = try #require(Array(stride(from: 0, to: written.count, by: 512)).last { written[$0..<($0 + name.count)].elementsEqual(name) })
        let sent = written.count - header - 512
        #expect(sent > 0 && sent < Int(damaged.size))
        // And the iterator, asked again, has nothing more.
        var iterator = archive.makeAsyncIterator()
        await #expect(throws: AICoreError.self) { while try await iterator.next() != nil {} }
        #expect(try await iterator.next() == nil)
    }

    @Test("Unknown names are all named, and a missing blob is found, before any byte")
    func refusesBeforeWriting() async throws {
        let parent = try temporaryDirectory("save-refuse")
        defer { try? FileIO.removeTree(parent) }
        let (service, _) = try await makeStore(in: parent)
        await #expect {
            _ = try await service.archive(["localhost/app:1", "redis:7", "localhost/nope:1"])
        } throws: { error in
            let error = error as? AICoreError
            return error?.code == .notFound && error?.message.hasPrefix("no images redis:7, localhost/nope:1 on this node") == true
        }
        let one = try #require(await service.image("localhost/app:1"))
        try FileIO.removeFile(service.content.path(of: one.config.digest))
        await #expect {
            _ = try await service.archive(["localhost/app:1"])
        } throws: { error in
            (error as? AICoreError)?.code == .corrupt && "\(error)".contains(one.config.digest.description)
        }
    }
}

/// The tar headers `image save` writes, read by GNU tar.
@Suite("Tar headers: ustar where it fits, pax where it does not")
struct TarHeaderTests {
    @Test("A name longer than ustar holds is carried by a pax header, and GNU tar reads it whole")
    func longNames() async throws {
        let parent = try temporaryDirectory("tar")
        defer { try? FileIO.removeTree(parent) }
        let long = "blobs/sha512/" + String(repeating: "ab", count: 64)
        let split = "d/" + String(repeating: "x", count: 120) + "/" + String(repeating: "y", count: 90)
        var tar: [UInt8] = []
        for name in [long, split, "oci-layout"] {
            let content = Array("content of \(name.suffix(4))\n".utf8)
            tar += TarHeader.make(name, kind: .file, size: UInt64(content.count)) + content + TarHeader.padding(UInt64(content.count))
        }
        tar += TarHeader.end
        try FileIO.write("\(parent)/t.tar", tar)
        let listed = try await OCILayoutBuilder.run("tar", ["-tvf", "\(parent)/t.tar"])
        let names = listed.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
        #expect(names == [long, split, "oci-layout"])
        #expect(TarHeader.ustarName(long) == nil)
        #expect(TarHeader.ustarName(split)?.name.count == 90)
        #expect(try await OCILayoutBuilder.run("tar", ["-xOf", "\(parent)/t.tar", long]) == "content of abab\n")
    }

    @Test("A size past ustar's eleven octal digits is a pax size record")
    func largeSizes() {
        let header = TarHeader.make("blobs/sha256/big", kind: .file, size: 8 << 30)
        #expect(header.count == 3 * 512)
        #expect(header[156] == UInt8(ascii: "x"))
        #expect(String(decoding: header[512..<1024], as: UTF8.self).hasPrefix("19 size=8589934592\n"))
        // A record's length counts its own digits, also where they grow from two to three.
        #expect(TarHeader.paxRecord("path", "a") == Array("9 path=a\n".utf8))
        #expect(TarHeader.paxRecord("k", String(repeating: "v", count: 93)).count == 99)
        #expect(Array(TarHeader.paxRecord("k", String(repeating: "v", count: 94)).prefix(4)) == Array("101 ".utf8))
    }
}
