import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreRuntime

/// An instance whose root is image layers stacked with overlayfs: the layers here are plain
/// directories laid out as the layer store lays them out (overlay whiteouts included).
extension LinuxTaskDriverTests {
    struct ImageRootFixture {
        let driver: LinuxTaskDriver
        let image: TaskSpec.ImageRoot
        let writableRoot: String
    }

    /// A base layer (busybox, /etc/passwd with an `app` user, /etc/group) and a top layer that
    /// adds /app/version and deletes /etc/group with an overlayfs whiteout.
    func imageRootFixture() throws -> ImageRootFixture {
        let layers = stateDir + "/layers"
        for directory in ["base/bin", "base/etc", "base/tmp", "base/proc", "base/dev", "base/sys", "base/run", "top/app", "top/etc"] {
            try FileIO.makeDirectories("\(layers)/\(directory)", mode: 0o755)
        }
        try FileIO.copyFile("/bin/busybox", to: "\(layers)/base/bin/busybox")
        try FileIO.setMode("\(layers)/base/bin/busybox", 0o755)
        #expect(symlink("busybox", "\(layers)/base/bin/sh") == 0)
        try FileIO.write("\(layers)/base/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        try FileIO.write("\(layers)/base/etc/group", "root:x:0:\napp:x:1000:\n")
        try FileIO.write("\(layers)/top/app/version", "2\n")
        #expect(mknod("\(layers)/top/etc/group", S_IFCHR, 0) == 0)
        let writable = stateDir + "/writable"
        let driver = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir + "/instances", writableLayerRoot: writable))
        return ImageRootFixture(driver: driver, image: TaskSpec.ImageRoot(layersBase: layers, layers: ["top", "base"]), writableRoot: writable)
    }

    func imageSpec(_ name: String, _ command: [String], fixture: ImageRootFixture, user: String? = nil, readOnly: Bool = false) -> TaskSpec {
        var spec = TaskSpec(id: name, cgroupPath: "aicore/test/\(name)", command: command, user: user, imageRoot: fixture.image, readOnlyRoot: readOnly)
        spec.environment = ["PATH=/bin"]
        return spec
    }

    @Test func anImageRootShowsTheLayersMergedAndWritesOnlyToTheInstancesOwnLayer() async throws {
        let fixture = try imageRootFixture()
        let name = TestEnvironment.uniqueName("image-root")
        let script = "cat /app/version; test -e /etc/group && echo group-visible || echo group-deleted; echo mine > /written; cat /written; test -e /bin/sh && echo has-sh"
        let handle = try await fixture.driver.startRemovedAfterTest(imageSpec(name, ["/bin/sh", "-c", script], fixture: fixture))
        let exit = try await fixture.driver.wait(handle)
        #expect(exit.status == .exited(0))
        let log = try FileIO.readString(handle.logFile)
        for line in ["stdout F 2", "stdout F group-deleted", "stdout F mine", "stdout F has-sh"] {
            #expect(log.contains(line), "\(line) in \(log)")
        }
        // The write went to the instance's upper directory, not to a layer or the host.
        #expect(try FileIO.readString("\(fixture.writableRoot)/\(name)/upper/written") == "mine\n")
        #expect(!FileIO.exists("\(fixture.image.layersBase)/top/written"))
        #expect(!FileIO.exists("\(fixture.image.layersBase)/base/written"))
        #expect(!FileIO.exists("/written"))

        try await offload { try fixture.driver.remove(handle) }
        // Removal unmounts the root and deletes the writable layer; the layers stay.
        #expect(!FileIO.exists("\(fixture.writableRoot)/\(name)"))
        #expect(!FileIO.exists(handle.stateDirectory))
        #expect(!(try FileIO.readString("/proc/self/mountinfo")).contains(name))
        #expect(FileIO.exists("\(fixture.image.layersBase)/base/bin/busybox"))
    }

    @Test func theUserIsResolvedInTheImagesOwnPasswd() async throws {
        let fixture = try imageRootFixture()
        let name = TestEnvironment.uniqueName("image-user")
        let handle = try await fixture.driver.startRemovedAfterTest(imageSpec(name, ["/bin/sh", "-c", "id -u; id -g"], fixture: fixture, user: "app"))
        let exit = try await fixture.driver.wait(handle)
        #expect(exit.status == .exited(0))
        let log = try FileIO.readString(handle.logFile)
        #expect(log.contains("stdout F 1000"))
    }

    @Test func aReadOnlyImageRootRefusesWrites() async throws {
        let fixture = try imageRootFixture()
        let name = TestEnvironment.uniqueName("image-ro")
        let handle = try await fixture.driver.startRemovedAfterTest(
            imageSpec(name, ["/bin/sh", "-c", "echo x > /written && echo wrote || echo refused; echo t > /tmp/t && echo tmp-ok"], fixture: fixture, readOnly: true))
        let exit = try await fixture.driver.wait(handle)
        #expect(exit.status == .exited(0))
        let log = try FileIO.readString(handle.logFile)
        #expect(log.contains("stdout F refused"))
        #expect(log.contains("stdout F tmp-ok"))
        #expect(!FileIO.exists("\(fixture.writableRoot)/\(name)/upper/written"))
    }

    @Test func aRestartBeginsFromTheImageNotFromTheLastRunsWrites() async throws {
        let fixture = try imageRootFixture()
        let name = TestEnvironment.uniqueName("image-fresh")
        let first = try await fixture.driver.start(imageSpec(name, ["/bin/sh", "-c", "echo left > /leftover"], fixture: fixture))
        _ = try await fixture.driver.wait(first)
        try await offload { try fixture.driver.remove(first) }
        let second = try await fixture.driver.startRemovedAfterTest(
            imageSpec(name, ["/bin/sh", "-c", "test -e /leftover && echo stale || echo fresh"], fixture: fixture))
        _ = try await fixture.driver.wait(second)
        #expect(try FileIO.readString(second.logFile).contains("stdout F fresh"))
    }
}

extension LinuxTaskDriverTests {
    /// An image whose /etc/passwd is a symlink to the host's /etc/shadow: the agent must not
    /// read the host's file while resolving the user.
    @Test func anImagesPasswdThatLinksOutIsNotFollowed() async throws {
        let fixture = try imageRootFixture()
        let evil = fixture.image.layersBase + "/evil/etc"
        try FileIO.makeDirectories(evil, mode: 0o755)
        #expect(symlink("/etc/shadow", evil + "/passwd") == 0)
        var image = fixture.image
        image.layers = ["evil"] + image.layers
        let name = TestEnvironment.uniqueName("image-passwd")
        var spec = TaskSpec(id: name, cgroupPath: "aicore/test/\(name)", command: ["/bin/true"], user: "root", imageRoot: image)
        spec.environment = ["PATH=/bin"]
        do {
            let handle = try await fixture.driver.start(spec)
            _ = try? await offload { try fixture.driver.remove(handle) }
            Issue.record("started with a passwd that links out of the root")
        } catch let error as AICoreError {
            #expect(error.code == .invalidSpec)
            #expect(error.message.contains("/etc/passwd"))
        }
        #expect(!FileIO.exists(stateDir + "/instances/" + name))
        #expect(!(try FileIO.readString("/proc/self/mountinfo")).contains(name))
    }
}
