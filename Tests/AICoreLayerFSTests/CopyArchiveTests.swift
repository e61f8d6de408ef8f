import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import Foundation
import Testing

/// `cp`'s tar both ways: a tree written beneath a root and applied elsewhere comes out the same,
/// and an archive that would write outside its destination, through a symlink, or a device
/// node is refused before anything is written.
@Suite struct CopyArchiveTests {
    /// Writes the tree at `root`/`path` as a tar named `name` at the top, and returns the archive's path.
    static func archive(_ path: String, in root: String, as name: String, scratch: Scratch, following: Bool = false) throws -> String {
        let file = scratch.path + "/out-\(UInt32.random(in: 0...UInt32.max)).tar"
        let fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let writer = try CopyArchiveWriter(descriptor: fd)
        try writer.add(Array(path.utf8), in: try RootedDirectory(path: root), as: Array(name.utf8), followingFinalSymlink: following)
        try writer.finish()
        return file
    }

    @Test func aTreeCopiedOutAndBackInComesOutTheSameWithItsLinksAsLinks() throws {
        let scratch = try TestEnvironment.scratch("cp-roundtrip")
        defer { scratch.remove() }
        let root = try scratch.subdirectory("root")
        try FileIO.makeDirectories(root + "/srv/tree/sub", mode: 0o750)
        try FileIO.write(root + "/srv/tree/sub/file.txt", "deep\n", mode: 0o640)
        #expect(symlink("sub/file.txt", root + "/srv/tree/link") == 0)
        #expect(symlink("/../../etc", root + "/escape") == 0)
        // The root's own link, absolute and with `..`, resolves inside the root.
        try FileIO.makeDirectories(root + "/etc", mode: 0o755)
        try FileIO.write(root + "/etc/passwd", "inside\n")
        let passwd = try Self.archive("/escape/passwd", in: root, as: "passwd", scratch: scratch)
        let out = try scratch.subdirectory("out")
        _ = try CopyArchiveExtraction.extract(passwd, into: try RootedDirectory(path: out), keepingOwners: false)
        #expect(try FileIO.readString(out + "/passwd") == "inside\n")

        let tree = try Self.archive("/srv/tree", in: root, as: "tree", scratch: scratch)
        let result = try CopyArchiveExtraction.extract(tree, into: try RootedDirectory(path: out), renamingTop: Array("copy".utf8), keepingOwners: true)
        #expect(result.entries == 4 && result.bytes == 5)
        #expect(try FileIO.readString(out + "/copy/sub/file.txt") == "deep\n")
        #expect(try FileIO.readLink(out + "/copy/link") == "sub/file.txt")
        let status = try #require(try RootedDirectory(path: out).status("copy/sub/file.txt"))
        #expect(status.permissions == 0o640)
        #expect(throws: AICoreError.self) { try Self.archive("/srv/none", in: root, as: "none", scratch: scratch) }
    }

    @Test(arguments: [
        ([TarEntry.file("ok.txt", "fine\n"), .file("../x", "escaped\n")], "its entry ../x names a path outside the destination"),
        ([TarEntry.file("ok.txt"), .file("/etc/x")], "its entry /etc/x names a path outside the destination"),
        ([TarEntry.file("ok.txt"), .node("null", type: "char", major: 1, minor: 3)], "it holds null, a character device"),
        ([TarEntry.file("ok.txt"), .symlink("link", to: "/etc"), .file("link/passwd")], "its entry link/passwd is below one of its own symlinks"),
        ([TarEntry.file("ok.txt"), .hardlink("shadow", to: "../../etc/shadow")], "its hard link shadow points outside the destination"),
        ([TarEntry.file("ok.txt"), .hardlink("shadow", to: "etc/shadow")], "its hard link shadow points to etc/shadow"),
    ])
    func anArchiveThatReachesOutIsRefusedAndNothingIsWritten(entries: [TarEntry], why: String) throws {
        let scratch = try TestEnvironment.scratch("cp-refused")
        defer { scratch.remove() }
        let archive = scratch.path + "/in.tar"
        try TarWriter.write(entries, to: archive)
        let destination = try scratch.subdirectory("destination/inner")
        let error = #expect(throws: AICoreError.self) {
            try CopyArchiveExtraction.extract(archive, into: try RootedDirectory(path: destination), keepingOwners: true)
        }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
        #expect(try FileIO.entries(of: destination).isEmpty)
        #expect(try FileIO.entries(of: scratch.path + "/destination") == ["inner"])
    }

    @Test func withoutKeepingOwnersSetuidIsDroppedAndTheExtractorOwnsWhatItMakes() throws {
        let scratch = try TestEnvironment.scratch("cp-owners")
        defer { scratch.remove() }
        let archive = scratch.path + "/in.tar"
        try TarWriter.write([.file("tool", "x", mode: 0o4755, uid: 1234, gid: 2345), .directory("shared", mode: 0o3775, uid: 1234, gid: 2345)], to: archive)
        let plain = try scratch.subdirectory("plain")
        _ = try CopyArchiveExtraction.extract(archive, into: try RootedDirectory(path: plain), keepingOwners: false)
        let tool = try #require(try RootedDirectory(path: plain).status("tool"))
        #expect(tool.permissions == 0o755 && tool.uid == getuid())
        #expect(try #require(try RootedDirectory(path: plain).status("shared")).permissions == 0o1775)
        guard getuid() == 0 else {
            print("skipped: keeping owners needs root (chown)")
            return
        }
        let kept = try scratch.subdirectory("kept")
        _ = try CopyArchiveExtraction.extract(archive, into: try RootedDirectory(path: kept), keepingOwners: true)
        let owned = try #require(try RootedDirectory(path: kept).status("tool"))
        #expect(owned.permissions == 0o4755 && owned.uid == 1234 && owned.gid == 2345)
    }

    @Test func aSymlinkAlreadyInTheDestinationIsNeverWrittenThrough() throws {
        let scratch = try TestEnvironment.scratch("cp-through")
        defer { scratch.remove() }
        let outside = try scratch.subdirectory("outside")
        let destination = try scratch.subdirectory("destination")
        #expect(symlink(outside, destination + "/link") == 0)
        let archive = scratch.path + "/in.tar"
        try TarWriter.write([.file("link/x", "no\n")], to: archive)
        let error = #expect(throws: AICoreError.self) {
            try CopyArchiveExtraction.extract(archive, into: try RootedDirectory(path: destination), keepingOwners: false)
        }
        #expect(error?.code == .conflict)
        #expect(error?.message == "cannot write link/x: a symlink is in the way (cp never writes through one)")
        #expect(try FileIO.entries(of: outside).isEmpty)
        // An entry that names the link itself replaces the link, inside the destination.
        try TarWriter.write([.directory("link"), .file("link/x", "yes\n")], to: archive)
        _ = try CopyArchiveExtraction.extract(archive, into: try RootedDirectory(path: destination), keepingOwners: false)
        #expect(try FileIO.readString(destination + "/link/x") == "yes\n")
        #expect(try FileIO.entries(of: outside).isEmpty)
    }
}
