import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// Real layers, written by umoci from host files, unpacked one directory each and stacked with
/// overlayfs, show the same tree as `umoci unpack` of the same image: paths, types, modes,
/// owners, sizes, contents, symlink targets, hard links, xattrs and mtimes (of all but
/// directories, whose times an implicit parent in an upper layer legitimately differs in).
@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: unpacking, mknod and mounting overlayfs"))
struct LayerUnpackerOverlayTests {
    /// What the image's layers hold, bottom to top.
    private static func buildImage(in scratch: Scratch) throws -> String {
        let layout = scratch.path + "/oci"
        let image = layout + ":t"
        let umoci = TestEnvironment.umoci
        try TestEnvironment.run(umoci, ["init", "--layout", layout])
        try TestEnvironment.run(umoci, ["new", "--image", image])

        // 1: the base: files with owners and modes, a setuid file, hard links, symlinks, a
        // user.* xattr, a fifo and a character device.
        let base = try scratch.subdirectory("src/base")
        for dir in ["etc", "bin", "data", "var/cache", "opt/dir"] { try FileIO.makeDirectories(base + "/" + dir, mode: 0o755) }
        try FileIO.write(base + "/etc/hostname", "box\n")
        try FileIO.write(base + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        try FileIO.write(base + "/bin/tool", "#!/bin/sh\necho tool\n")
        guard chown(base + "/bin/tool", 0, 0) == 0, chmod(base + "/bin/tool", 0o4755) == 0 else { throw ToolFailure(description: "chmod tool") }
        try FileIO.write(base + "/data/h1", "hard linked\n")
        guard link(base + "/data/h1", base + "/data/h2") == 0,
              symlink("h1", base + "/data/relative") == 0,
              symlink("/etc/passwd", base + "/data/absolute") == 0,
              mkfifo(base + "/data/fifo", 0o640) == 0,
              mknod(base + "/data/null", S_IFCHR | 0o666, 0x103) == 0
        else { throw ToolFailure(description: "making the base tree") }
        try FileIO.write(base + "/data/owned", "mine\n", mode: 0o640)
        guard chown(base + "/data/owned", 1000, 1001) == 0 else { throw ToolFailure(description: "chown owned") }
        try FileIO.write(base + "/data/tagged", "tagged\n")
        try RootedDirectory(path: base + "/data").setExtendedAttribute(named: Array("tagged".utf8), key: "user.origin", value: Array("host".utf8))
        try FileIO.write(base + "/var/cache/a", "a")
        try FileIO.write(base + "/var/cache/b", "b")
        try FileIO.write(base + "/opt/dir/old1", "old")
        try FileIO.write(base + "/opt/dir/old2", "old")
        // Times of their own, so that a time taken from the wrong entry shows.
        for (offset, path) in ["bin/tool", "data/h1", "data/relative", "data/absolute", "data/fifo", "data/null", "data/owned", "etc/passwd"].enumerated() {
            let time = timespec(tv_sec: 1_500_000_000 + offset * 86_400, tv_nsec: 0)
            guard utimensat(AT_FDCWD, base + "/" + path, [time, time], AT_SYMLINK_NOFOLLOW) == 0 else {
                throw ToolFailure(description: "set the time of \(path)")
            }
        }
        for top in ["etc", "bin", "data", "var", "opt"] {
            try TestEnvironment.run(umoci, ["insert", "--image", image, base + "/" + top, "/" + top])
        }

        // Whiteouts of a file and of a directory.
        try TestEnvironment.run(umoci, ["insert", "--image", image, "--whiteout", "/etc/hostname"])
        try TestEnvironment.run(umoci, ["insert", "--image", image, "--whiteout", "/var/cache"])
        // An opaque directory with new contents.
        let replacement = try scratch.subdirectory("src/replacement")
        try FileIO.write(replacement + "/new1", "new")
        try TestEnvironment.run(umoci, ["insert", "--image", image, "--opaque", replacement, "/opt/dir"])
        // A file changed in an upper layer, below a parent the layer does not list.
        let changed = try scratch.subdirectory("src/changed")
        try FileIO.write(changed + "/passwd", "root:x:0:0::/root:/bin/bash\n")
        try TestEnvironment.run(umoci, ["insert", "--image", image, changed + "/passwd", "/etc/passwd"])
        return layout
    }

    /// The image's layer blobs, bottom first, and its config's diff IDs.
    private static func layers(of layout: String) throws -> (blobs: [String], diffIDs: [String]) {
        func json(_ digest: String) throws -> [String: Any] {
            let path = layout + "/blobs/sha256/" + digest.dropFirst("sha256:".count)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            return object as? [String: Any] ?? [:]
        }
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as? [String: Any]
        let manifests = index?["manifests"] as? [[String: Any]] ?? []
        let manifest = try json(manifests.first?["digest"] as? String ?? "")
        let layers = (manifest["layers"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        let config = try json((manifest["config"] as? [String: Any])?["digest"] as? String ?? "")
        let diffIDs = (config["rootfs"] as? [String: Any])?["diff_ids"] as? [String] ?? []
        return (layers.map { layout + "/blobs/sha256/" + $0.dropFirst("sha256:".count) }, diffIDs)
    }

    @Test func stackedLayersShowWhatUmociUnpacks() async throws {
        let scratch = try TestEnvironment.scratch("overlay")
        defer { scratch.remove() }
        let (results, diffIDs, merged, expected, layerTrees) = try await offload {
            let layout = try Self.buildImage(in: scratch)
            try TestEnvironment.run(TestEnvironment.umoci, ["unpack", "--image", layout + ":t", scratch.path + "/bundle"])
            let (blobs, diffIDs) = try Self.layers(of: layout)
            var results: [LayerUnpackResult] = []
            var directories: [String] = []
            for (index, blob) in blobs.enumerated() {
                let layer = try UnpackedLayer.unpack(blob, into: scratch.path + "/layers/\(index)")
                results.append(try layer.result)
                directories.append(layer.directory)
            }
            let mountPoint = try scratch.subdirectory("merged")
            try TestEnvironment.run("/usr/bin/mount", [
                "-t", "overlay", "overlay", "-o", "lowerdir=\(directories.reversed().joined(separator: ":")),index=off", mountPoint,
            ])
            defer { _ = try? TestEnvironment.run("/usr/bin/umount", [mountPoint]) }
            let merged = try TreeSnapshot.take(mountPoint, times: .nonDirectories)
            let expected = try TreeSnapshot.take(scratch.path + "/bundle/rootfs", times: .nonDirectories)
            return (results, diffIDs, merged, expected, try directories.map { try TreeSnapshot.take($0) })
        }
        #expect(results.count == 9 && diffIDs.count == 9)
        #expect(results.map(\.diffID) == diffIDs)
        #expect(merged.differences(from: expected) == [])
        #expect(merged.hardlinkGroups == expected.hardlinkGroups)
        #expect(merged.hardlinkGroups == [["data/h1", "data/h2"]])
        // Spelled out, what the comparison already covers:
        #expect(merged.entries["etc/hostname"] == nil)
        #expect(merged.entries["var/cache"] == nil && merged.entries["var"] != nil)
        #expect(Set(merged.entries.keys.filter { $0.hasPrefix("opt/dir/") }) == ["opt/dir/new1"])
        #expect(merged.entries["bin/tool"]?.permissions == 0o4755)
        #expect(merged.entries["data/tagged"]?.xattrs == ["user.origin": Array("host".utf8)])
        #expect(merged.entries["etc/passwd"]?.content == Array("root:x:0:0::/root:/bin/bash\n".utf8))
        // No whiteout file is ever written into a layer's directory.
        for tree in layerTrees {
            #expect(tree.entries.keys.filter { $0.split(separator: "/").last?.hasPrefix(".wh.") == true } == [])
        }
    }

    /// umoci writes gzip; the same layer as plain tar and as zstd unpacks to the same tree with
    /// the same diff ID.
    @Test func diffIDMatchesTheConfigWhateverTheCompression() async throws {
        let scratch = try TestEnvironment.scratch("compression")
        defer { scratch.remove() }
        let (diffID, results, trees) = try await offload {
            let layout = try Self.buildImage(in: scratch)
            let (blobs, diffIDs) = try Self.layers(of: layout)
            guard let gzip = blobs.first, let diffID = diffIDs.first else { throw ToolFailure(description: "umoci wrote no layer") }
            let plain = scratch.path + "/base.tar"
            try FileIO.write(plain + ".gz", try FileIO.read(gzip))
            try TestEnvironment.run("/usr/bin/gzip", ["-d", plain + ".gz"])
            try TestEnvironment.run("/usr/bin/zstd", ["-q", plain, "-o", plain + ".zst"])
            var results: [String: LayerUnpackResult] = [:]
            var trees: [String: TreeSnapshot] = [:]
            for (label, archive) in [("gzip", gzip), ("none", plain), ("zstd", plain + ".zst")] {
                let layer = try UnpackedLayer.unpack(archive, into: scratch.path + "/" + label)
                results[label] = try layer.result
                trees[label] = try layer.tree()
            }
            return (diffID, results, trees)
        }
        #expect(results.count == 3)
        for (label, result) in results {
            #expect(result.diffID == diffID, "\(label)")
            #expect(trees[label].map { $0.differences(from: trees["gzip"] ?? TreeSnapshot()) } == [], "\(label)")
        }
    }
}
