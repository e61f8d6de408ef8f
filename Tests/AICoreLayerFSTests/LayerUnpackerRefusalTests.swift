import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// A layer built to write outside its directory, and the entry that must be refused.
struct MaliciousLayer: Sendable, CustomTestStringConvertible {
    let what: String
    let entries: [TarEntry]
    let refused: String
    /// What the message says of it.
    let because: String

    var testDescription: String { what }
}

/// Layers that try to escape (the CVE-2014-6407, CVE-2021-32760 and CVE-2021-29136 class).
/// Each is unpacked into parent/layer beside parent/sentinel; after the refusal nothing outside
/// parent/layer has changed, nothing was written to /tmp/aicore-pwned or linked to /etc/passwd,
/// and the error names the layer and the entry.
@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: unpacking chowns, and makes device nodes and whiteouts"))
struct LayerUnpackerRefusalTests {
    static let pwned = "/tmp/aicore-pwned"

    static let layers: [MaliciousLayer] = [
        MaliciousLayer(what: "absolute file name", entries: [.file(pwned, "x")], refused: pwned, because: "names an absolute path"),
        MaliciousLayer(what: "absolute directory name", entries: [.directory(pwned + "/")], refused: pwned + "/", because: "names an absolute path"),
        MaliciousLayer(what: "leading ..", entries: [.file("../sentinel/pwned", "x")], refused: "../sentinel/pwned", because: "outside the layer"),
        MaliciousLayer(what: ".. deep enough to reach /tmp", entries: [.file("../../../../../../../../tmp/aicore-pwned", "x")],
                       refused: "../../../../../../../../tmp/aicore-pwned", because: "outside the layer"),
        MaliciousLayer(what: ".. after a component", entries: [.directory("a/"), .file("a/../../sentinel/pwned", "x")],
                       refused: "a/../../sentinel/pwned", because: "outside the layer"),
        MaliciousLayer(what: ".. that would stay inside", entries: [.directory("a/"), .file("a/../b", "x")], refused: "a/../b", because: "outside the layer"),
        MaliciousLayer(what: "write through a symlink to a sibling",
                       entries: [.symlink("a", to: "../sentinel"), .file("a/pwned", "x")], refused: "a/pwned", because: "through a symlink"),
        MaliciousLayer(what: "write through an absolute symlink",
                       entries: [.symlink("a", to: "/tmp"), .file("a/aicore-pwned", "x")], refused: "a/aicore-pwned", because: "through a symlink"),
        MaliciousLayer(what: "directory through a symlink",
                       entries: [.symlink("a", to: "../sentinel"), .directory("a/sub/")], refused: "a/sub/", because: "through a symlink"),
        MaliciousLayer(what: "symlink through a symlink",
                       entries: [.symlink("a", to: "../sentinel"), .symlink("a/link", to: "x")], refused: "a/link", because: "through a symlink"),
        MaliciousLayer(what: "device node through a symlink",
                       entries: [.symlink("a", to: "../sentinel"), .node("a/null", type: "char", major: 1, minor: 3)], refused: "a/null", because: "through a symlink"),
        MaliciousLayer(what: "chain of symlinks",
                       entries: [.symlink("b", to: "../sentinel"), .symlink("a", to: "b"), .file("a/pwned", "x")], refused: "a/pwned", because: "through a symlink"),
        MaliciousLayer(what: "symlink that stays inside",
                       entries: [.directory("real/"), .symlink("a", to: "real"), .file("a/x", "x")], refused: "a/x", because: "through a symlink"),
        MaliciousLayer(what: "hard link to an absolute path", entries: [.hardlink("h", to: "/etc/passwd")], refused: "h", because: "a path outside the layer"),
        MaliciousLayer(what: "hard link out with ..", entries: [.hardlink("h", to: "../sentinel/file")], refused: "h", because: "a path outside the layer"),
        MaliciousLayer(what: "hard link through a symlink",
                       entries: [.symlink("s", to: "../sentinel"), .hardlink("h", to: "s/file")], refused: "h", because: "through a symlink"),
        MaliciousLayer(what: "hard link named through a symlink",
                       entries: [.symlink("s", to: "../sentinel"), .file("f", "x"), .hardlink("s/h", to: "f")], refused: "s/h", because: "names a path through a symlink"),
        MaliciousLayer(what: "hard link to nothing", entries: [.hardlink("h", to: "missing")], refused: "h", because: "which no earlier entry of the layer made"),
        MaliciousLayer(what: "hard link to a lower layer's file", entries: [.hardlink("h", to: "etc/passwd")], refused: "h", because: "which no earlier entry of the layer made"),
        MaliciousLayer(what: "hard link to a directory", entries: [.directory("d/"), .hardlink("h", to: "d")], refused: "h", because: "a directory"),
        MaliciousLayer(what: "whiteout outside", entries: [.file("../sentinel/.wh.file")], refused: "../sentinel/.wh.file", because: "outside the layer"),
        MaliciousLayer(what: "whiteout of .", entries: [.directory("a/"), .file("a/.wh..")], refused: "a/.wh..", because: "whites out"),
        MaliciousLayer(what: "whiteout of ..", entries: [.directory("a/"), .file("a/.wh...")], refused: "a/.wh...", because: "whites out"),
        MaliciousLayer(what: "whiteout of nothing", entries: [.file(".wh.")], refused: ".wh.", because: "whites out"),
        MaliciousLayer(what: "whiteout through a symlink",
                       entries: [.symlink("s", to: "../sentinel"), .file("s/.wh.file")], refused: "s/.wh.file", because: "through a symlink"),
        MaliciousLayer(what: "opaque whiteout through a symlink",
                       entries: [.symlink("s", to: "../sentinel"), .file("s/.wh..wh..opq")], refused: "s/.wh..wh..opq", because: "through a symlink"),
        MaliciousLayer(what: "forged opaque directory",
                       entries: [.directory("d/", xattrs: ["trusted.overlay.opaque": "y"])], refused: "d/", because: "would forge overlay metadata"),
        MaliciousLayer(what: "forged overlay redirect",
                       entries: [.directory("d/", xattrs: ["trusted.overlay.redirect": "/../sentinel"])], refused: "d/", because: "would forge overlay metadata"),
        MaliciousLayer(what: "forged user overlay metadata",
                       entries: [.file("f", "x", xattrs: ["user.overlay.metacopy": ""])], refused: "f", because: "would forge overlay metadata"),
        MaliciousLayer(what: "root replaced by a symlink", entries: [.symlink("./", to: "../sentinel")], refused: "./", because: "would replace the layer's root directory"),
        MaliciousLayer(what: "owner -1, chown's 'leave unchanged'", entries: [.file("f", "x", uid: 4_294_967_295)], refused: "f", because: "outside 0...4294967294"),
    ]

    @Test(arguments: layers)
    func refusesTheEntryAndWritesNothingOutside(layer malicious: MaliciousLayer) async throws {
        let scratch = try TestEnvironment.scratch("refuse")
        defer { scratch.remove() }
        let (before, after, layer, passwdLinks) = try await offload {
            let parent = try scratch.subdirectory("parent")
            try FileIO.makeDirectories(parent + "/sentinel/sub", mode: 0o755)
            try FileIO.write(parent + "/sentinel/file", "sentinel", mode: 0o644)
            let before = try TreeSnapshot.take(parent, skipping: ["layer"])
            let layer = try UnpackedLayer.make(malicious.entries, in: scratch, directory: parent + "/layer")
            var st = stat()
            _ = stat("/etc/passwd", &st)
            return (before, try TreeSnapshot.take(parent, skipping: ["layer"]), layer, st.st_nlink)
        }
        let error = try #require(layer.error, "the layer was unpacked")
        #expect(error.code == .unsafeLayer, "\(error)")
        #expect(error.context["layer"] == UnpackedLayer.name)
        #expect(error.context["entry"] == malicious.refused)
        #expect(error.message.hasPrefix("layer \(UnpackedLayer.name): entry \(String(reflecting: malicious.refused)) "), "\(error)")
        #expect(error.message.hasSuffix("; refused"))
        #expect(error.message.contains(malicious.because), "\(error)")
        #expect(after.differences(from: before) == [])
        #expect(!FileIO.exists(Self.pwned))
        #expect(passwdLinks == 1)
    }

    /// Replacing a symlink removes the link: its target is never written, chmodded or linked
    /// (CVE-2021-32760 was a chmod through one).
    @Test func replacesSymlinksWithoutTouchingTheirTargets() async throws {
        let scratch = try TestEnvironment.scratch("replace-link")
        defer { scratch.remove() }
        let (before, after, layer, tree) = try await offload {
            let parent = try scratch.subdirectory("parent")
            try FileIO.makeDirectories(parent + "/sentinel", mode: 0o755)
            try FileIO.write(parent + "/sentinel/file", "sentinel", mode: 0o644)
            let before = try TreeSnapshot.take(parent, skipping: ["layer"])
            let layer = try UnpackedLayer.make([
                .symlink("f", to: "../sentinel/file"), .file("f", "new", mode: 0o777, uid: 1000),
                .symlink("d", to: "../sentinel"), .directory("d/", mode: 0o777, uid: 1000),
                .symlink("h", to: "../sentinel/file"), .hardlink("h2", to: "h"),
                .symlink("w", to: "../sentinel/file"), .file(".wh.w"),
            ], in: scratch, directory: parent + "/layer")
            return (before, try TreeSnapshot.take(parent, skipping: ["layer"]), layer, try layer.tree())
        }
        _ = try layer.result
        #expect(after.differences(from: before) == [])
        #expect(tree.entries["f"].map { $0.kind == .regular && $0.content == Array("new".utf8) } == true)
        #expect(tree.entries["d"].map { $0.kind == .directory && $0.permissions == 0o777 } == true)
        // A hard link to a symlink is one more name for the link, not for what it points at.
        #expect(tree.entries["h2"]?.target == Array("../sentinel/file".utf8))
        #expect(tree.entries["w"].map { $0.kind == .characterDevice && $0.device == [0, 0] } == true)
    }
}
