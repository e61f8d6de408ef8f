import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// Image archives are extracted as plain files and directories the agent owns: the loader then
/// reads them by path, so no symlink, device or escape may come out of one.
@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: umoci and skopeo write the archives from a layout owned by root"))
struct ArchiveExtractionTests {
    private static func extract(_ archive: String, into directory: String) throws -> Result<TreeSnapshot, AICoreError> {
        try FileIO.makeDirectories(directory, mode: 0o700)
        do {
            try ArchiveExtraction.extract(archive, into: directory)
        } catch {
            return .failure(error)
        }
        return .success(try TreeSnapshot.take(directory, times: .none))
    }

    /// An OCI layout with one small image, `t`.
    private static func layout(in scratch: Scratch) throws -> String {
        let layout = scratch.path + "/oci"
        let source = try scratch.subdirectory("src")
        try FileIO.write(source + "/hello", "hello\n")
        try TestEnvironment.run(TestEnvironment.umoci, ["init", "--layout", layout])
        try TestEnvironment.run(TestEnvironment.umoci, ["new", "--image", layout + ":t"])
        try TestEnvironment.run(TestEnvironment.umoci, ["insert", "--image", layout + ":t", source + "/hello", "/hello"])
        try TestEnvironment.run(TestEnvironment.umoci, ["insert", "--image", layout + ":t", source + "/hello", "/again"])
        return layout
    }

    /// skopeo's docker-archive links each legacy `<id>/layer.tar` to `../<digest>.tar`.
    @Test func extractsADockerArchiveWithItsSymlinksAsHardLinks() async throws {
        let scratch = try TestEnvironment.scratch("extract-docker")
        defer { scratch.remove() }
        let (listed, tree) = try await offload {
            let layout = try Self.layout(in: scratch)
            let archive = scratch.path + "/image.tar"
            try TestEnvironment.run("/usr/bin/skopeo", ["--insecure-policy", "copy", "oci:\(layout):t", "docker-archive:\(archive):test/app:1"])
            let tree = try Self.extract(archive, into: scratch.path + "/work").get()
            let manifest = try FileIO.readString(scratch.path + "/work/manifest.json")
            let entries = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [[String: Any]] ?? []
            return (entries.flatMap { $0["Layers"] as? [String] ?? [] }, tree)
        }
        #expect(listed.count == 2)
        for layer in listed {
            #expect(tree.entries[layer]?.kind == .regular, "\(layer)")
        }
        #expect(tree.entries.values.allSatisfy { $0.kind == .regular || $0.kind == .directory })
        #expect(tree.entries.values.allSatisfy { $0.permissions == ($0.kind == .directory ? 0o755 : 0o644) })
        // Each legacy path is one more name of the tar it pointed at.
        #expect(tree.hardlinkGroups.count == 2)
        #expect(tree.hardlinkGroups.allSatisfy { group in group.contains { listed.contains($0) } && group.count == 2 })
    }

    @Test func extractsAnOCIArchive() async throws {
        let scratch = try TestEnvironment.scratch("extract-oci")
        defer { scratch.remove() }
        let (original, extracted) = try await offload {
            let layout = try Self.layout(in: scratch)
            let archive = scratch.path + "/image.tar"
            try TestEnvironment.run("/usr/bin/skopeo", ["--insecure-policy", "copy", "oci:\(layout):t", "oci-archive:\(archive):t"])
            return (try TreeSnapshot.take(layout, times: .none), try Self.extract(archive, into: scratch.path + "/work").get())
        }
        #expect(extracted.entries["oci-layout"]?.kind == .regular)
        #expect(extracted.entries["index.json"]?.kind == .regular)
        let blobs = extracted.entries.keys.filter { $0.hasPrefix("blobs/sha256/") }
        // The manifest, the config and the two layers (the layout also keeps what umoci replaced).
        #expect(blobs.count == 4)
        for blob in blobs {
            #expect(extracted.entries[blob]?.content == original.entries[blob]?.content, "\(blob)")
        }
    }

    @Test func linksAChainOfSymlinksAndDropsModesAndOwners() async throws {
        let scratch = try TestEnvironment.scratch("extract-chain")
        defer { scratch.remove() }
        let tree = try await offload {
            let archive = scratch.path + "/a.tar"
            try TarWriter.write([
                .symlink("first", to: "second"),
                .symlink("dir/second", to: "../file"),
                .symlink("second", to: "dir/second"),
                .file("file", "content", mode: 0o4755, uid: 1000, gid: 1000),
            ], to: archive)
            return try Self.extract(archive, into: scratch.path + "/work").get()
        }
        #expect(tree.hardlinkGroups == [["file", "dir/second", "second", "first"]])
        #expect(tree.entries["first"].map { $0.kind == .regular && $0.permissions == 0o644 && $0.uid == 0 } == true)
    }

    @Test(arguments: [
        MaliciousLayer(what: "a name with ..", entries: [.file("../pwned", "x")], refused: "../pwned", because: "outside the archive"),
        MaliciousLayer(what: "an absolute name", entries: [.file("/tmp/aicore-pwned", "x")], refused: "/tmp/aicore-pwned", because: "outside the archive"),
        MaliciousLayer(what: "a symlink out of the archive", entries: [.symlink("a/layer.tar", to: "../../sentinel/file")],
                       refused: "a/layer.tar", because: "no file of the archive"),
        MaliciousLayer(what: "an absolute symlink", entries: [.symlink("layer.tar", to: "/etc/passwd")], refused: "layer.tar", because: "no file of the archive"),
        MaliciousLayer(what: "a symlink to a directory", entries: [.directory("d/"), .symlink("layer.tar", to: "d")], refused: "layer.tar",
                       because: "no file of the archive"),
        MaliciousLayer(what: "a symlink to nothing", entries: [.symlink("layer.tar", to: "missing")], refused: "layer.tar", because: "no file of the archive"),
        MaliciousLayer(what: "a hard link out", entries: [.hardlink("layer.tar", to: "/etc/passwd")], refused: "layer.tar", because: "no file of the archive"),
        MaliciousLayer(what: "a device node", entries: [.node("mem", type: "char", major: 1, minor: 1)], refused: "mem", because: "no use for"),
        MaliciousLayer(what: "a fifo", entries: [.node("pipe", type: "fifo")], refused: "pipe", because: "no use for"),
    ])
    func refusesWhatIsNotAFileOfTheArchive(layer malicious: MaliciousLayer) async throws {
        let scratch = try TestEnvironment.scratch("extract-refuse")
        defer { scratch.remove() }
        let (before, after, outcome) = try await offload {
            let parent = try scratch.subdirectory("parent")
            try FileIO.makeDirectories(parent + "/sentinel", mode: 0o755)
            try FileIO.write(parent + "/sentinel/file", "sentinel")
            let before = try TreeSnapshot.take(parent, skipping: ["work"])
            let archive = scratch.path + "/a.tar"
            try TarWriter.write(malicious.entries, to: archive)
            let outcome = try Self.extract(archive, into: parent + "/work")
            return (before, try TreeSnapshot.take(parent, skipping: ["work"]), outcome)
        }
        guard case .failure(let error) = outcome else {
            Issue.record("extracted: \(outcome)")
            return
        }
        #expect(error.code == .invalidImage, "\(error)")
        #expect(error.context["entry"] == malicious.refused)
        #expect(error.message.contains(malicious.because) && error.message.hasSuffix("; refused"), "\(error)")
        #expect(after.differences(from: before) == [])
        #expect(!FileIO.exists(LayerUnpackerRefusalTests.pwned))
    }
}
