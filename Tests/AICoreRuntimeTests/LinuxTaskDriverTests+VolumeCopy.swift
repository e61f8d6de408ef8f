import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreRuntime

/// A volume mounted where the image has content starts with that content, as Docker's does
/// (postgres's `VOLUME /var/lib/postgresql/data` arrives owned by the postgres user), unless it
/// holds something already or the mount says `nocopy`. The image is untrusted: what it points
/// at is never followed out of its root.
extension LinuxTaskDriverTests {
    /// The image root fixture with one more layer on top, made by `fill` (given its directory).
    func volumeImage(_ label: String, _ fill: (String) throws -> Void) throws -> ImageRootFixture {
        let fixture = try imageRootFixture()
        let layer = fixture.image.layersBase + "/" + label
        try FileIO.makeDirectories(layer, mode: 0o755)
        try fill(layer)
        var image = fixture.image
        image.layers = [label] + image.layers
        return ImageRootFixture(driver: fixture.driver, image: image, writableRoot: fixture.writableRoot)
    }

    /// /data owned by app (1000:1000, 0750) holding `hello` (0640), `sub/inner` (a directory
    /// 0700 and a file) and `shadow` -> /etc/shadow.
    func withData(_ layer: String) throws {
        let data = layer + "/data"
        try FileIO.makeDirectories(data + "/sub", mode: 0o700)
        try FileIO.write(data + "/hello", "from the image\n", mode: 0o640)
        try FileIO.write(data + "/sub/inner", "nested\n")
        #expect(symlink("/etc/shadow", data + "/shadow") == 0)
        for path in ["/sub/inner", "/sub", "/hello", "/shadow", ""] {
            #expect(lchown(data + path, 1000, 1000) == 0)
        }
        try FileIO.setMode(data, 0o750)
    }

    /// An empty volume directory of the agent's (root's, 0755), as TaskSpecBuilder makes one.
    func volumeDirectory(_ name: String) throws -> String {
        let path = stateDir + "/volumes/" + name
        try FileIO.makeDirectories(path, mode: 0o755)
        return path
    }

    func volumeMount(_ source: String, at target: String = "/data", copies: Bool = true) -> MountSpec {
        MountSpec(destination: target, kind: .bind(source: source, readOnly: false), copiesImageContent: copies)
    }

    func status(_ path: String) throws -> FileStatus {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SystemError.last("lstat \(path)") }
        return try #require(FileStatus(st))
    }

    /// Runs the instance to its end; its log.
    func runOnImage(_ spec: TaskSpec, _ fixture: ImageRootFixture) async throws -> String {
        let handle = try await fixture.driver.startRemovedAfterTest(spec)
        let exit = try await fixture.driver.wait(handle)
        let log = (try? FileIO.readString(handle.logFile)) ?? ""
        #expect(exit.status == .exited(0), "\(log)")
        return log
    }

    @Test func anEmptyVolumeStartsWithTheImagesContentItsOwnerAndItsModes() async throws {
        let fixture = try volumeImage("data", withData)
        let volume = try volumeDirectory("data")
        let name = TestEnvironment.uniqueName("volcopy")
        // As the image's user, who can only get in because the volume took /data's owner.
        var spec = imageSpec(name, ["/bin/sh", "-c", "cat /data/hello /data/sub/inner; readlink /data/shadow; stat -c '%u:%g %a' /data /data/hello"],
                             fixture: fixture, user: "app")
        spec.mounts = [volumeMount(volume)]
        let log = try await runOnImage(spec, fixture)
        for line in ["from the image", "nested", "/etc/shadow", "1000:1000 750", "1000:1000 640"] {
            #expect(log.contains("stdout F \(line)"), "\(line) in \(log)")
        }

        let root = try status(volume)
        #expect(root.kind == .directory && root.uid == 1000 && root.gid == 1000 && root.permissions == 0o750)
        #expect(try FileIO.readString(volume + "/hello") == "from the image\n")
        let hello = try status(volume + "/hello")
        #expect(hello.uid == 1000 && hello.permissions == 0o640)
        let sub = try status(volume + "/sub")
        #expect(sub.kind == .directory && sub.uid == 1000 && sub.permissions == 0o700)
        #expect(try FileIO.readString(volume + "/sub/inner") == "nested\n")
        // The symlink is copied as a symlink, its target verbatim: the host's shadow is not read.
        #expect(try status(volume + "/shadow").kind == .symbolicLink)
        #expect(try FileIO.readLink(volume + "/shadow") == "/etc/shadow")
        // The image's layer is as it was: the copy read it, the instance wrote its own layer.
        #expect(try FileIO.readString(fixture.image.layersBase + "/data/data/hello") == "from the image\n")
    }

    @Test func aVolumeThatHoldsAnythingIsLeftExactlyAsItWas() async throws {
        let fixture = try volumeImage("data", withData)
        let volume = try volumeDirectory("kept")
        try FileIO.write(volume + "/mine", "the workload's\n", mode: 0o600)
        let name = TestEnvironment.uniqueName("volkept")
        var spec = imageSpec(name, ["/bin/sh", "-c", "ls -A /data; stat -c '%u:%g %a' /data"], fixture: fixture)
        spec.mounts = [volumeMount(volume)]
        let log = try await runOnImage(spec, fixture)
        #expect(log.contains("stdout F mine"))
        #expect(log.contains("stdout F 0:0 755"))
        #expect(!log.contains("hello"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == ["mine"])
        #expect(try FileIO.readString(volume + "/mine") == "the workload's\n")
        let root = try status(volume)
        #expect(root.uid == 0 && root.permissions == 0o755)
    }

    @Test func nocopyLeavesTheVolumeEmpty() async throws {
        let fixture = try volumeImage("data", withData)
        let volume = try volumeDirectory("nocopy")
        let name = TestEnvironment.uniqueName("volnocopy")
        var spec = imageSpec(name, ["/bin/sh", "-c", "echo entries: $(ls -A /data | wc -l)"], fixture: fixture)
        spec.mounts = [volumeMount(volume, copies: false)]
        let log = try await runOnImage(spec, fixture)
        #expect(log.contains("stdout F entries: 0"), "\(log)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == [])
        #expect(try status(volume).uid == 0)
    }

    /// An image whose /data is a symlink to the host's /etc, absolute or climbing out: nothing
    /// is copied (the copy follows no symlink), and the mount refuses the target as it refuses
    /// any symlink. The host's /etc is not read, let alone changed.
    @Test(arguments: ["/etc", "../../../../etc"])
    func anImagePathThatLinksOutCopiesNothingOfTheHost(target: String) async throws {
        let fixture = try volumeImage("evil") { layer in
            #expect(symlink(target, layer + "/data") == 0)
        }
        let volume = try volumeDirectory("evil")
        let hostEtc = try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted()
        let shadow = try status("/etc/shadow")
        let name = TestEnvironment.uniqueName("volevil")
        var spec = imageSpec(name, ["/bin/sh", "-c", "ls /data"], fixture: fixture)
        spec.mounts = [volumeMount(volume)]
        do {
            let handle = try await fixture.driver.startRemovedAfterTest(spec)
            _ = try await fixture.driver.wait(handle)
            Issue.record("started with /data a symlink to \(target)")
        } catch let error as AICoreError {
            #expect(error.message.contains("volume target /data"), "\(error.message)")
            #expect(error.message.contains("symlink"), "\(error.message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: volume) == [])
        let root = try status(volume)
        #expect(root.uid == 0 && root.permissions == 0o755)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted() == hostEtc)
        #expect(try status("/etc/shadow") == shadow)
        #expect(!FileIO.exists(stateDir + "/instances/" + name))
    }

    /// A volume directory that is not a directory of the agent's any more (a symlink in its
    /// place): the start fails with a message naming the instance, the volume and the path,
    /// and nothing is written through the link.
    @Test func aFailedCopyFailsTheStartNamingTheInstanceTheVolumeAndThePath() async throws {
        let fixture = try volumeImage("data", withData)
        let elsewhere = try volumeDirectory("elsewhere")
        let volume = stateDir + "/volumes/swapped"
        #expect(symlink(elsewhere, volume) == 0)
        let name = TestEnvironment.uniqueName("volfail")
        var spec = imageSpec(name, ["/bin/true"], fixture: fixture)
        spec.mounts = [volumeMount(volume)]
        do {
            let handle = try await fixture.driver.startRemovedAfterTest(spec)
            _ = try await fixture.driver.wait(handle)
            Issue.record("started with a volume directory that is a symlink")
        } catch let error as AICoreError {
            #expect(error.code == .volume)
            #expect(error.message.hasPrefix("cannot copy the image's /data into the volume \(volume) of \(name): "), "\(error.message)")
            #expect(error.exitCode == 125)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == [])
        #expect(!FileIO.exists(stateDir + "/instances/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }
}
