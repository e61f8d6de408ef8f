import AICoreSystem
import Foundation
import Testing

/// RootedDirectory lives in AICoreSystem, which has no test target of its own; the unpacker is
/// its first user, so its tests live here.
@Suite struct RootedDirectoryTests {
    /// root/a/b/file ("inside"), root/a/b/fifo, root/inside-link -> a (a symlink that stays
    /// inside), root/etc-link -> /etc, root/up-link -> ../outside; outside/secret beside root.
    private func makeTree() throws -> (scratch: Scratch, root: String, outside: String) {
        let scratch = try TestEnvironment.scratch("rooted")
        let root = try scratch.subdirectory("root")
        let outside = try scratch.subdirectory("outside")
        try FileIO.makeDirectories(root + "/a/b")
        try FileIO.write(root + "/a/b/file", "inside")
        try FileIO.write(outside + "/secret", "outside")
        #expect(mkfifo(root + "/a/b/fifo", 0o644) == 0)
        #expect(symlink("a", root + "/inside-link") == 0)
        #expect(symlink("/etc", root + "/etc-link") == 0)
        #expect(symlink("../outside", root + "/up-link") == 0)
        return (scratch, root, outside)
    }

    private func errno(_ body: () throws -> Void) -> Int32? {
        failure(body)?.errno
    }

    private func failure(_ body: () throws -> Void) -> SystemError? {
        do {
            try body()
            return nil
        } catch let error as SystemError {
            return error
        } catch {
            return SystemError(code: .invalidArgument, operation: "an error that is not a SystemError: \(error)")
        }
    }

    @Test func readsFilesBeneathItself() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(try directory.read("a/b/file") == Array("inside".utf8))
        #expect(try directory.read("./a//b/file") == Array("inside".utf8))
        #expect(try directory.directory("a").read("b/file") == Array("inside".utf8))
        #expect(try directory.status("a/b/file")?.kind == .regular)
        #expect(try directory.status("a/b/missing") == nil)
        #expect(Set(try directory.entries()) == Set(["a", "inside-link", "etc-link", "up-link"].map { Array($0.utf8) }))
    }

    @Test func refusesAbsolutePathsAndEveryWayOut() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(errno { _ = try directory.read("/etc/passwd") } == EXDEV)
        #expect(errno { _ = try directory.read("../outside/secret") } == EXDEV)
        #expect(errno { _ = try directory.read("a/../../outside/secret") } == EXDEV)
        #expect(errno { _ = try directory.directory("a").read("../../outside/secret") } == EXDEV)
    }

    /// Any symlink on the way is refused, even one that stays inside: resolving a link's target
    /// is exactly what a tree someone else wrote must never get from us.
    @Test func refusesSymlinksInAnyComponent() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(errno { _ = try directory.read("inside-link/b/file") } == ELOOP)
        #expect(errno { _ = try directory.read("etc-link/passwd") } == ELOOP)
        #expect(errno { _ = try directory.read("up-link/secret") } == ELOOP)
        #expect(errno { _ = try directory.directory("etc-link") } == ELOOP)
        #expect(errno { _ = try directory.open("up-link", flags: O_RDONLY) } == ELOOP)
        #expect(errno { _ = try directory.open("/proc/self/root/etc/passwd") } == EXDEV)
    }

    /// A path as an instance names it (a mount's target): absolute from the root, `..` stopped
    /// at the root, and still no symlink anywhere.
    @Test func resolvesInstancePathsInsideTheRootWithoutSymlinks() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(try directory.directory(inRoot: "/a/b").read("file") == Array("inside".utf8))
        #expect(try directory.directory(inRoot: "/../../a/b").read("file") == Array("inside".utf8))
        #expect(try directory.directory(inRoot: "/..").status("a")?.kind == .directory)
        #expect(errno { _ = try directory.directory(inRoot: "/etc-link") } == ELOOP)
        #expect(errno { _ = try directory.directory(inRoot: "/up-link") } == ELOOP)
        #expect(errno { _ = try directory.directory(inRoot: "/inside-link/b") } == ELOOP)
        #expect(errno { _ = try directory.directory(inRoot: "/a/b/file") } == ENOTDIR)
        #expect(errno { _ = try directory.directory(inRoot: "/missing") } == ENOENT)
    }

    @Test func describesASymlinkItselfAndReadsItsTargetVerbatim() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(try directory.status("etc-link")?.kind == .symbolicLink)
        #expect(try directory.readLink("etc-link") == Array("/etc".utf8))
        #expect(try directory.readLink("up-link") == Array("../outside".utf8))
        #expect(errno { _ = try directory.status("etc-link/passwd") } == ELOOP)
    }

    /// A fifo would block the reader and a device node's open is an action of its own: only
    /// regular files are opened for reading.
    @Test func readsOnlyRegularFilesAndOnlyUpToTheLimit() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(failure { _ = try directory.read("a/b/fifo") }?.code == .invalidArgument)
        #expect(failure { _ = try directory.read("a") }?.code == .invalidArgument)
        #expect(errno { _ = try directory.read("a/b/file", limit: 3) } == EFBIG)
    }

    @Test func changesOnlyTheNamedEntryNeverWhatASymlinkPointsAt() throws {
        let (scratch, root, outside) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        let before = try FileIO.read(outside + "/secret")
        // O_EXCL: a symlink in the way is an existing entry, not a path to write through.
        #expect(errno { _ = try directory.createFile(named: Array("up-link".utf8), mode: 0o644) } == EEXIST)
        try directory.setTimes(named: Array("up-link".utf8), access: timespec(tv_sec: 5, tv_nsec: 0), modification: timespec(tv_sec: 7, tv_nsec: 0))
        #expect(try directory.status("up-link")?.modificationSeconds == 7)
        #expect(try directory.status("up-link")?.kind == .symbolicLink)
        try directory.remove(named: Array("up-link".utf8))
        #expect(try directory.status("up-link") == nil)
        #expect(try FileIO.read(outside + "/secret") == before)
        #expect(FileIO.exists(outside + "/secret"))
    }

    @Test func makesFilesDirectoriesSymlinksAndHardLinks() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        try directory.makeDirectory(named: Array("new".utf8), mode: 0o700)
        let new = try directory.directory("new")
        let fd = try new.createFile(named: Array("f".utf8), mode: 0o600)
        #expect(write(fd, "data", 4) == 4)
        close(fd)
        try new.makeSymbolicLink(named: Array("l".utf8), target: Array("../../../anywhere".utf8))
        try new.makeHardLink(named: Array("h".utf8), to: Array("f".utf8), in: new)
        #expect(try new.readLink("l") == Array("../../../anywhere".utf8))
        let file = try #require(try new.status("f"))
        let link = try #require(try new.status("h"))
        #expect(file.inode == link.inode && file.links == 2)
        try directory.remove(named: Array("new".utf8))
        #expect(try directory.status("new") == nil)
    }

    @Test(arguments: ["", ".", "..", "a/b", "/x"])
    func takesOnlySingleNamesForChanges(name: String) throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        #expect(errno { try directory.makeDirectory(named: Array(name.utf8), mode: 0o755) } == EINVAL)
        #expect(errno { try directory.remove(named: Array(name.utf8)) } == EINVAL)
    }

    @Test func setsAndReadsExtendedAttributesOfANameAndOfItself() throws {
        let (scratch, root, _) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        let b = try directory.directory("a/b")
        try b.setExtendedAttribute(named: Array("file".utf8), key: "user.test", value: [1, 2, 3])
        try b.setExtendedAttribute(named: nil, key: "user.dir", value: Array("yes".utf8))
        #expect(try b.extendedAttributes(named: Array("file".utf8)) == ["user.test": [1, 2, 3]])
        #expect(try directory.extendedAttributes("a/b/file") == ["user.test": [1, 2, 3]])
        #expect(try directory.extendedAttributes("a/b")["user.dir"] == Array("yes".utf8))
        #expect(try b.extendedAttributes(named: nil)["user.dir"] == Array("yes".utf8))
    }

    @Test(.enabled(if: TestEnvironment.isRoot, "needs root: mknod and chown"))
    func makesNodesAndOwnsEntriesWithoutFollowingThem() throws {
        let (scratch, root, outside) = try makeTree()
        defer { scratch.remove() }
        let directory = try RootedDirectory(path: root)
        try directory.makeNode(named: Array("null".utf8), kind: .characterDevice, mode: 0o666, major: 1, minor: 3)
        try directory.makeNode(named: Array("fifo".utf8), kind: .fifo, mode: 0o640)
        let null = try #require(try directory.status("null"))
        #expect(null.kind == .characterDevice && null.deviceMajor == 1 && null.deviceMinor == 3)
        #expect(try directory.status("fifo")?.kind == .fifo)
        #expect(errno { try directory.makeNode(named: Array("x".utf8), kind: .regular, mode: 0o644) } == EINVAL)

        try directory.setOwner(named: Array("up-link".utf8), uid: 1234, gid: 5678)
        let link = try #require(try directory.status("up-link"))
        #expect(link.uid == 1234 && link.gid == 5678)
        #expect(FileIO.owner(outside).map { $0.uid == 0 && $0.gid == 0 } == true)
        // A symlink has no mode of its own, and its target's is not ours to change.
        #expect(errno { try directory.setPermissions(named: Array("up-link".utf8), 0o777) } != nil)
        var st = stat()
        #expect(lstat(outside, &st) == 0 && st.st_mode & 0o7777 == 0o755)
    }
}
