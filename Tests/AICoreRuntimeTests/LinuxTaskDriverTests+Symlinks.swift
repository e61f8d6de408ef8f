import AICoreErrors
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// A volume's host directory outlives its instance, and the workload writes it: whatever it
/// leaves there (a symlink to the host's `/`) must not steer the next start's mounts.
extension LinuxTaskDriverTests {
    static let refusal = "a path component is a symlink (refused: mounts follow no symlinks)"

    func bind(_ source: String, _ destination: String) -> MountSpec {
        MountSpec(destination: destination, kind: .bind(source: source, readOnly: false))
    }

    /// Runs a workload to its end and returns its exit and log.
    func runToEnd(_ spec: TaskSpec) async throws -> (TaskExit, String) {
        let handle = try await driver.start(spec)
        let exit = try await driver.wait(handle)
        let log = (try? FileIO.readString(handle.logFile)) ?? ""
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
        return (exit, log)
    }

    /// The start is refused with `message`, and leaves nothing behind; a start that went
    /// through is recorded with what its workload saw.
    func expectRefusedStart(_ spec: TaskSpec, _ message: String) async throws {
        do {
            let (exit, log) = try await runToEnd(spec)
            Issue.record("the start was not refused: \(exit.status), log: \(log)")
        } catch let error as AICoreError {
            #expect(error.message == message)
            #expect(error.exitCode == 125)
        }
        #expect(cgroupLeftovers("aicore/test/\(spec.id)").isEmpty)
        #expect(processesMentioning(spec.id).isEmpty)
        #expect(!FileIO.exists(stateDir + "/" + spec.id))
    }

    /// Volumes at /tmp/data and /tmp/data/sub, sub's host directory inside data's (Compose's
    /// `./data` and `./data/sub`). A root workload with SYS_ADMIN unmounts sub, puts a symlink to
    /// `/` in its place and exits; the restart is refused and binds nothing of the host.
    @Test func aNestedVolumeSwappedForASymlinkToRootIsRefusedAtRestart() async throws {
        let host = try TestEnvironment.temporaryDirectory("nested")
        defer { try? FileIO.removeTree(host) }
        try FileIO.makeDirectories(host + "/data/sub")
        try FileIO.write(host + "/marker", "host\n")
        let name = TestEnvironment.uniqueName("nested")
        var s = spec(name, ["sh", "-c", "umount /tmp/data/sub && rm -rf /tmp/data/sub && ln -s / /tmp/data/sub"])
        s.mounts = [bind(host + "/data", "/tmp/data"), bind(host + "/data/sub", "/tmp/data/sub")]
        s.capAdd = ["SYS_ADMIN"]
        let (exit, log) = try await runToEnd(s)
        #expect(exit.status == .exited(0), "\(log)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host + "/data/sub") == "/")

        s.command = ["sh", "-c", "cat /tmp/data/sub\(host)/marker"]
        try await expectRefusedStart(s, "volume target /tmp/data/sub: " + Self.refusal)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host + "/data/sub") == "/")
        #expect(try FileManager.default.contentsOfDirectory(atPath: host).sorted() == ["data", "marker"])
    }

    /// A bind source inside another volume (`./data` at /tmp/data, `./data/sub` at /tmp/sub):
    /// the workload swaps the source for a symlink to `/`. The next start would have bound the
    /// host's whole root, writable, at /tmp/sub; it is refused instead.
    @Test func aBindSourceSwappedForASymlinkToRootIsRefused() async throws {
        let host = try TestEnvironment.temporaryDirectory("source")
        defer { try? FileIO.removeTree(host) }
        try FileIO.makeDirectories(host + "/data/sub")
        try FileIO.write(host + "/marker", "host\n")
        let name = TestEnvironment.uniqueName("source")
        var s = spec(name, ["sh", "-c", "rm -rf /tmp/data/sub && ln -s / /tmp/data/sub"])
        s.mounts = [bind(host + "/data", "/tmp/data")]
        let (exit, log) = try await runToEnd(s)
        #expect(exit.status == .exited(0), "\(log)")

        s.mounts.append(bind(host + "/data/sub", "/tmp/sub"))
        s.command = ["sh", "-c", "cat /tmp/sub\(host)/marker"]
        try await expectRefusedStart(s, "volume source \(host)/data/sub: " + Self.refusal)
        #expect(try FileManager.default.contentsOfDirectory(atPath: host).sorted() == ["data", "marker"])
    }

    /// A mount whose target goes through a symlink the workload left in a volume
    /// (/tmp/data/link → a host directory) creates nothing on the host and is refused, for a
    /// bound directory, a bound file and a tmpfs alike.
    @Test(arguments: ["directory", "file", "tmpfs"])
    func aTargetThroughASymlinkInAVolumeCreatesNothingOnTheHost(_ kind: String) async throws {
        let host = try TestEnvironment.temporaryDirectory("target")
        defer { try? FileIO.removeTree(host) }
        try FileIO.makeDirectories(host + "/data")
        try FileIO.makeDirectories(host + "/outside")
        try FileIO.makeDirectories(host + "/x")
        try FileIO.write(host + "/x.conf", "x\n")
        let name = TestEnvironment.uniqueName("target")
        var s = spec(name, ["ln", "-s", host + "/outside", "/tmp/data/link"])
        s.mounts = [bind(host + "/data", "/tmp/data")]
        let (exit, log) = try await runToEnd(s)
        #expect(exit.status == .exited(0), "\(log)")

        switch kind {
        case "directory": s.mounts.append(bind(host + "/x", "/tmp/data/link/x"))
        case "file": s.mounts.append(bind(host + "/x.conf", "/tmp/data/link/x"))
        default: s.mounts.append(MountSpec(destination: "/tmp/data/link/x", kind: .tmpfs(sizeBytes: nil, mode: nil)))
        }
        s.command = ["true"]
        try await expectRefusedStart(s, "volume target /tmp/data/link/x: " + Self.refusal)
        #expect(try FileManager.default.contentsOfDirectory(atPath: host + "/outside").isEmpty)
    }
}
