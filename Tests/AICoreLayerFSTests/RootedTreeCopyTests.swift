import AICoreSystem
import Foundation
import Testing

/// RootedTreeCopy lives in AICoreSystem, which has no test target of its own: its tests sit
/// beside RootedDirectory's. Sources here are trees an image could hold; the copy must keep
/// what they say about themselves and never act on what they point at.
@Suite(.enabled(if: TestEnvironment.isRoot, "needs root: chown to other users, mknod"))
struct RootedTreeCopyTests {
    /// image/data (1000:1000, 0750) holding: file (setuid, 04755), sub/ (1777, sticky) with
    /// deep (0640, 1001:1002), a hard link `twin` of file, shadow -> /etc/shadow, up ->
    /// ../../outside, fifo (0620), null (a character device); outside/secret beside image.
    private func makeImage() throws -> (scratch: Scratch, image: String, volume: String, outside: String) {
        let scratch = try TestEnvironment.scratch("treecopy")
        let image = try scratch.subdirectory("image")
        let volume = try scratch.subdirectory("volume")
        let outside = try scratch.subdirectory("outside")
        try FileIO.write(outside + "/secret", "host secret")
        let data = image + "/data"
        try FileIO.makeDirectories(data + "/sub")
        try FileIO.write(data + "/file", "content of file")
        try FileIO.write(data + "/sub/deep", "deep")
        #expect(link(data + "/file", data + "/twin") == 0)
        #expect(symlink("/etc/shadow", data + "/shadow") == 0)
        #expect(symlink("../../outside", data + "/up") == 0)
        #expect(mkfifo(data + "/fifo", 0o620) == 0)
        #expect(mknod(data + "/null", S_IFCHR | 0o666, makedev(1, 3)) == 0)
        #expect(lchown(data + "/file", 1000, 1000) == 0 && chmod(data + "/file", 0o4755) == 0)
        #expect(lchown(data + "/sub/deep", 1001, 1002) == 0 && chmod(data + "/sub/deep", 0o640) == 0)
        #expect(chmod(data + "/sub", 0o1777) == 0)
        #expect(lchown(data + "/shadow", 1000, 1000) == 0)
        for path in ["/sub/deep", "/sub", "/file", "/fifo"] {
            var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789), timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789)]
            #expect(utimensat(AT_FDCWD, data + path, &times, AT_SYMLINK_NOFOLLOW) == 0)
        }
        #expect(lchown(data, 1000, 1000) == 0 && chmod(data, 0o750) == 0)
        var times = [timespec(tv_sec: 1_500_000_000, tv_nsec: 0), timespec(tv_sec: 1_500_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, data, &times, 0) == 0)
        return (scratch, image, volume, outside)
    }

    private func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        dev_t((UInt64(major) << 8) | UInt64(minor))
    }

    private func status(_ path: String) throws -> FileStatus {
        try #require(try RootedDirectory(path: "/").status(String(path.dropFirst())))
    }

    @Test func copiesEveryEntryWithItsOwnerModeAndTimeAndSymlinksVerbatim() throws {
        let (scratch, image, volume, outside) = try makeImage()
        defer { scratch.remove() }
        let outcome = try RootedTreeCopy.copyIfEmpty(from: RootedDirectory(path: image), at: "/data", into: RootedDirectory(path: volume))
        #expect(outcome == .copied(skipped: ["null"]))

        // Entry by entry as the image has them, but for the device node, which is skipped.
        let copied = try TreeSnapshot.take(volume)
        var expected = try TreeSnapshot.take(image + "/data")
        expected.entries["null"] = nil
        #expect(copied.differences(from: expected) == [])
        #expect(copied.entries["shadow"]?.target == Array("/etc/shadow".utf8))
        #expect(copied.entries["up"]?.target == Array("../../outside".utf8))
        #expect(copied.entries["file"]?.permissions == 0o4755, "setuid is set after the chown that clears it")
        #expect(copied.entries["sub"]?.permissions == 0o1777)
        // A hard link becomes a second file with the same content.
        #expect(copied.hardlinkGroups.isEmpty)
        #expect(expected.hardlinkGroups == [["file", "twin"]])

        // The volume's directory itself takes the image directory's owner, mode and time.
        let root = try status(volume)
        #expect(root.uid == 1000 && root.gid == 1000 && root.permissions == 0o750)
        #expect(root.modificationSeconds == 1_500_000_000)
        #expect(try FileIO.readString(outside + "/secret") == "host secret")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["secret"])
    }

    @Test func aVolumeWithAnythingInItIsLeftExactlyAsItWas() throws {
        let (scratch, image, volume, _) = try makeImage()
        defer { scratch.remove() }
        try FileIO.write(volume + "/mine", "written by the workload")
        #expect(chmod(volume, 0o700) == 0)
        let before = try TreeSnapshot.take(volume)
        let outcome = try RootedTreeCopy.copyIfEmpty(from: RootedDirectory(path: image), at: "/data", into: RootedDirectory(path: volume))
        #expect(outcome == .destinationNotEmpty)
        #expect(try TreeSnapshot.take(volume).differences(from: before) == [])
        let root = try status(volume)
        #expect(root.uid == 0 && root.permissions == 0o700)
    }

    /// Nothing at the path, a file there, or a symlink on the way (to the host's /etc, or
    /// climbing out): nothing is copied, and nothing outside the image is read.
    @Test(arguments: ["/missing", "/data/file", "/link-to-etc", "/link-up", "/link-in/sub"])
    func aPathThatIsNoDirectoryOfTheImageCopiesNothing(path: String) throws {
        let (scratch, image, volume, _) = try makeImage()
        defer { scratch.remove() }
        #expect(symlink("/etc", image + "/link-to-etc") == 0)
        #expect(symlink("../../../../../../etc", image + "/link-up") == 0)
        #expect(symlink("data", image + "/link-in") == 0)
        let outcome = try RootedTreeCopy.copyIfEmpty(from: RootedDirectory(path: image), at: path, into: RootedDirectory(path: volume))
        #expect(outcome == .noSourceDirectory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == [])
        #expect(try status(volume).permissions == 0o755)
    }

    /// A copy that fails part way (here: directories nested past the limit) leaves the volume
    /// empty, so the next start tries again rather than taking half a copy for the volume's own.
    @Test func aCopyThatFailsLeavesTheVolumeEmpty() throws {
        let (scratch, image, volume, _) = try makeImage()
        defer { scratch.remove() }
        var directory = try RootedDirectory(path: image + "/data/sub")
        for _ in 0...RootedTreeCopy.maximumDepth {
            try directory.makeDirectory(named: Array("d".utf8), mode: 0o755)
            directory = try directory.directory("d")
        }
        do {
            let outcome = try RootedTreeCopy.copyIfEmpty(from: RootedDirectory(path: image), at: "/data", into: RootedDirectory(path: volume))
            Issue.record("copied: \(outcome)")
        } catch {
            // The copy throws SystemError only (typed throws).
            #expect(error.errno == ELOOP)
            #expect(error.description.contains("deeper than \(RootedTreeCopy.maximumDepth) levels"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == [])
        #expect(try status(volume).uid == 0)
    }
}
