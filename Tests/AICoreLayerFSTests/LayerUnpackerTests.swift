import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// What an honest layer becomes: each kind of entry with its metadata, in the per-layer form
/// that overlayfs stacks.
@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: unpacking chowns, and makes device nodes and whiteouts"))
struct LayerUnpackerTests {
    private func unpacked(_ label: String, _ entries: [TarEntry], format: String = "pax") async throws
        -> (scratch: Scratch, layer: UnpackedLayer, tree: TreeSnapshot) {
        let scratch = try TestEnvironment.scratch(label)
        let (layer, tree) = try await offload {
            let layer = try UnpackedLayer.make(entries, in: scratch, format: format)
            return (layer, try layer.tree())
        }
        return (scratch, layer, tree)
    }

    @Test func writesFilesAndDirectoriesWithTheirOwnersModesAndTimes() async throws {
        let (scratch, layer, tree) = try await unpacked("files", [
            .directory("etc/", mtime: 1_600_000_000),
            .file("etc/hostname", "box\n", mtime: 1_700_000_000.5),
            .file("usr/bin/tool", "#!/bin/sh\n", mode: 0o4755, uid: 1000, gid: 1000),
            .directory("tmp", mode: 0o1777),
            .directory("srv", mode: 0o2775, gid: 50),
            .file("home/user/.profile", "PS1=$\n", mode: 0o600, uid: 1000, gid: 1000),
        ])
        defer { scratch.remove() }
        #expect(try layer.result.entries == 6)

        let hostname = try #require(tree.entries["etc/hostname"])
        #expect(hostname.content == Array("box\n".utf8) && hostname.permissions == 0o644)
        #expect(hostname.modification == [1_700_000_000, 500_000_000])
        // A directory's times are set after everything in it was made.
        #expect(tree.entries["etc"]?.modification == [1_600_000_000, 0])
        // chown clears setuid: the mode is set after the owner.
        let tool = try #require(tree.entries["usr/bin/tool"])
        #expect(tool.permissions == 0o4755 && tool.uid == 1000 && tool.gid == 1000)
        #expect(tree.entries["tmp"]?.permissions == 0o1777)
        #expect(tree.entries["srv"].map { $0.permissions == 0o2775 && $0.gid == 50 } == true)
        #expect(tree.entries["home/user/.profile"].map { $0.permissions == 0o600 && $0.uid == 1000 } == true)
        // Parents the archive does not list are made 0755 root:root.
        for implicit in ["usr", "usr/bin", "home", "home/user"] {
            let entry = try #require(tree.entries[implicit])
            #expect(entry.kind == .directory && entry.permissions == 0o755 && entry.uid == 0 && entry.gid == 0, "\(implicit)")
        }
    }

    @Test func writesSymlinkTargetsVerbatimAndNeverFollowsThem() async throws {
        let (scratch, _, tree) = try await unpacked("symlinks", [
            .symlink("abs", to: "/etc/passwd"),
            .symlink("up", to: "../../../../outside", uid: 7, gid: 8),
            .symlink("dangling", to: "nowhere/at/all"),
        ])
        defer { scratch.remove() }
        #expect(tree.entries["abs"]?.target == Array("/etc/passwd".utf8))
        #expect(tree.entries["up"].map { $0.target == Array("../../../../outside".utf8) && $0.uid == 7 && $0.gid == 8 } == true)
        #expect(tree.entries["dangling"]?.kind == .symbolicLink)
        #expect(tree.entries.count == 3)
    }

    @Test func linksHardLinksToOneInode() async throws {
        let (scratch, _, tree) = try await unpacked("hardlinks", [
            .file("a", "shared", mode: 0o640, uid: 3),
            .hardlink("dir/b", to: "a"),
            .hardlink("./c", to: "./a"),
        ])
        defer { scratch.remove() }
        #expect(tree.hardlinkGroups == [["a", "dir/b", "c"]])
        #expect(tree.inodes["a"]?[2] == 3)
        #expect(tree.entries["c"].map { $0.content == Array("shared".utf8) && $0.uid == 3 && $0.permissions == 0o640 } == true)
    }

    @Test func makesDeviceNodesAndFifos() async throws {
        let (scratch, _, tree) = try await unpacked("nodes", [
            .node("dev/null", type: "char", major: 1, minor: 3, mode: 0o666),
            .node("dev/loop0", type: "block", major: 7, minor: 0, mode: 0o660, gid: 6),
            .node("run/pipe", type: "fifo", mode: 0o620, uid: 5),
        ])
        defer { scratch.remove() }
        #expect(tree.entries["dev/null"].map { $0.kind == .characterDevice && $0.device == [1, 3] && $0.permissions == 0o666 } == true)
        #expect(tree.entries["dev/loop0"].map { $0.kind == .blockDevice && $0.device == [7, 0] && $0.gid == 6 } == true)
        #expect(tree.entries["run/pipe"].map { $0.kind == .fifo && $0.permissions == 0o620 && $0.uid == 5 } == true)
    }

    @Test func turnsWhiteoutsIntoOverlayWhiteouts() async throws {
        let (scratch, layer, tree) = try await unpacked("whiteouts", [
            .directory("etc/"),
            .file("etc/.wh.passwd"),
            .file("var/.wh.cache"),
            .file("opt/.wh..wh..opq"),
            .file("opt/new", "n"),
            .file(".wh..wh.plnk"),
        ])
        defer { scratch.remove() }
        #expect(Set(tree.entries.keys) == ["etc", "etc/passwd", "var", "var/cache", "opt", "opt/new"])
        for hidden in ["etc/passwd", "var/cache"] {
            #expect(tree.entries[hidden].map { $0.kind == .characterDevice && $0.device == [0, 0] } == true, "\(hidden)")
        }
        #expect(tree.entries["opt"]?.xattrs["trusted.overlay.opaque"] == Array("y".utf8))
        #expect(tree.entries["etc"]?.xattrs.isEmpty == true)
        #expect(try layer.result.skippedEntries == 1)
    }

    /// overlayfs reads no opaque flag on a lowerdir's root: the caller is told to stack nothing
    /// under such a layer.
    @Test func saysWhenALayerHidesEverythingBelowIt() async throws {
        let (scratch, layer, tree) = try await unpacked("opaque-root", [.file("./.wh..wh..opq"), .file("only", "x")])
        defer { scratch.remove() }
        #expect(try layer.result.hidesLowerLayers)
        #expect(Set(tree.entries.keys) == ["only"])
        let (other, plain, _) = try await unpacked("opaque-dir", [.file("d/.wh..wh..opq")])
        defer { other.remove() }
        #expect(try plain.result.hidesLowerLayers == false)
    }

    @Test func replacesEarlierEntriesButKeepsADirectorysContents() async throws {
        let (scratch, _, tree) = try await unpacked("replace", [
            .file("x", "one"),
            .file("x", "two"),
            .directory("d/"),
            .file("d/keep", "k"),
            .directory("d/", mode: 0o700, uid: 3, gid: 4),
            .file("f", "file"),
            .directory("f/", mode: 0o750),
            .directory("g/"),
            .file("g/child"),
            .file("g", "now a file"),
            // The layer deletes w from below, then makes a new w: only what is here may show.
            .file(".wh.w"),
            .directory("w/"),
            .file("w/x"),
            .file(".wh.v"),
            .file("v/y"),
        ])
        defer { scratch.remove() }
        #expect(tree.entries["x"]?.content == Array("two".utf8))
        #expect(tree.entries["d"].map { $0.permissions == 0o700 && $0.uid == 3 && $0.gid == 4 } == true)
        #expect(tree.entries["d/keep"]?.content == Array("k".utf8))
        #expect(tree.entries["f"].map { $0.kind == .directory && $0.permissions == 0o750 } == true)
        #expect(tree.entries["g"]?.content == Array("now a file".utf8))
        #expect(tree.entries["g/child"] == nil)
        for opaque in ["w", "v"] {
            #expect(tree.entries[opaque].map { $0.kind == .directory && $0.xattrs["trusted.overlay.opaque"] == Array("y".utf8) } == true, "\(opaque)")
        }
        #expect(tree.entries["w/x"] != nil && tree.entries["v/y"] != nil)
    }

    @Test func writesUserAttributesAndFileCapabilitiesAndSkipsTheHostsOwn() async throws {
        // VFS_CAP_REVISION_2, effective, permitted CAP_NET_RAW: what `setcap cap_net_raw+ep` writes.
        let capability: [UInt8] = [0x01, 0, 0, 0x02, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)
        var ping = TarEntry.file("bin/ping", "elf", mode: 0o755, uid: 0)
        ping.xattrs = ["security.capability": String(decoding: capability, as: UTF8.self)]
        let (scratch, layer, tree) = try await unpacked("xattrs", [
            .file("data", "d", xattrs: ["user.mime_type": "text/plain", "trusted.md5": "x", "security.selinux": "system_u:object_r:bin_t:s0"]),
            .directory("dir/", xattrs: ["user.origin": "layer"]),
            ping,
        ])
        defer { scratch.remove() }
        #expect(tree.entries["data"]?.xattrs == ["user.mime_type": Array("text/plain".utf8)])
        #expect(tree.entries["dir"]?.xattrs == ["user.origin": Array("layer".utf8)])
        // Set after chown, which would clear it.
        #expect(tree.entries["bin/ping"]?.xattrs["security.capability"] == capability)
        #expect(try layer.result.skippedExtendedAttributes == 2)
    }

    @Test func keepsNamesThatAreNotUTF8() async throws {
        let latin1Cafe = "636166e9"
        let scratch = try TestEnvironment.scratch("names")
        defer { scratch.remove() }
        let names = try await offload {
            let layer = try UnpackedLayer.make([TarEntry(nameHex: latin1Cafe, data: "x")], in: scratch)
            _ = try layer.result
            return try RootedDirectory(path: layer.directory).entries()
        }
        #expect(names == [[0x63, 0x61, 0x66, 0xE9]])
    }

    /// GNU and PAX 1.0 sparse entries: the holes stay holes.
    @Test(arguments: ["gnu", "posix"])
    func restoresSparseFilesWithTheirHoles(format: String) async throws {
        let scratch = try TestEnvironment.scratch("sparse")
        defer { scratch.remove() }
        let (original, restored, blocks) = try await offload {
            let source = try scratch.subdirectory("src")
            let fd = open(source + "/sparse", O_WRONLY | O_CREAT, 0o644)
            defer { close(fd) }
            _ = pwrite(fd, "head", 4, 0)
            _ = pwrite(fd, "middle", 6, 8 << 20)
            _ = ftruncate(fd, 16 << 20)
            try TestEnvironment.run("/usr/bin/tar", ["--sparse", "--format=\(format)", "-C", source, "-cf", scratch.path + "/sparse.tar", "sparse"])
            let layer = try UnpackedLayer.unpack(scratch.path + "/sparse.tar", into: scratch.path + "/layer")
            _ = try layer.result
            var st = stat()
            _ = stat(layer.directory + "/sparse", &st)
            return (try FileIO.read(source + "/sparse"), try FileIO.read(layer.directory + "/sparse"), Int(st.st_blocks))
        }
        #expect(restored.count == 16 << 20)
        #expect(restored == original)
        #expect(blocks * 512 < 1 << 20, "allocated \(blocks * 512) bytes")
    }

    /// The diff ID is the digest of the tar as it is, trailing zero blocks included, whatever
    /// the compression.
    @Test func returnsTheDigestOfTheDecompressedStream() async throws {
        let scratch = try TestEnvironment.scratch("digest")
        defer { scratch.remove() }
        let (expected, size, results) = try await offload {
            let tar = scratch.path + "/layer.tar"
            try TarWriter.write([.directory("a/"), .file("a/b", String(repeating: "data", count: 5000))], to: tar)
            try TestEnvironment.run("/usr/bin/gzip", ["-k", tar])
            try TestEnvironment.run("/usr/bin/zstd", ["-q", "-k", tar])
            try TestEnvironment.run("/usr/bin/xz", ["-k", tar])
            var results: [String: LayerUnpackResult] = [:]
            for suffix in ["", ".gz", ".zst", ".xz"] {
                results[suffix] = try UnpackedLayer.unpack(tar + suffix, into: scratch.path + "/layer" + suffix).result
            }
            return (try sha256(ofFile: tar), fileSize(tar), results)
        }
        for (suffix, result) in results {
            #expect(result == LayerUnpackResult(uncompressedSHA256: expected, entries: 2, uncompressedBytes: size), "layer.tar\(suffix)")
        }
        #expect(results.count == 4)
    }

    @Test(arguments: ["not a tar", "a gzip cut short", "a tar cut inside a file", "an empty file"])
    func refusesWhatIsNotAReadableTar(archive: String) async throws {
        let scratch = try TestEnvironment.scratch("invalid")
        defer { scratch.remove() }
        let layer = try await offload {
            let path = scratch.path + "/layer.tar"
            switch archive {
            case "not a tar":
                try FileIO.write(path, String(repeating: "this is not a tar archive\n", count: 200))
            case "a gzip cut short":
                try TarWriter.write([.file("a", String(repeating: "layer data ", count: 500))], to: path, compression: "gzip")
                try FileIO.write(path, Array(try FileIO.read(path).prefix(Int(fileSize(path) / 2))))
            case "a tar cut inside a file":
                try TarWriter.write([.file("a", String(repeating: "x", count: 2000))], to: path)
                try FileIO.write(path, Array(try FileIO.read(path).prefix(512 + 1000)))
            default:
                try FileIO.write(path, [])
            }
            return try UnpackedLayer.unpack(path, into: scratch.path + "/layer")
        }
        let error = try #require(layer.error)
        #expect(error.code == .invalidImage, "\(error)")
        #expect(error.context["layer"] == UnpackedLayer.name)
        #expect(error.message.hasPrefix("layer \(UnpackedLayer.name) "), "\(error)")
    }

    @Test func refusesADirectoryThatIsNotEmpty() async throws {
        let scratch = try TestEnvironment.scratch("notempty")
        defer { scratch.remove() }
        let layer = try await offload {
            try FileIO.makeDirectories(scratch.path + "/layer")
            try FileIO.write(scratch.path + "/layer/left-over", "x")
            return try UnpackedLayer.make([.file("a")], in: scratch)
        }
        #expect(layer.error?.code == .conflict)
        #expect(layer.error?.context["layer"] == UnpackedLayer.name)
    }
}
