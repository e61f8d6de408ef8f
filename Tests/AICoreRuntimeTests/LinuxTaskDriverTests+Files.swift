import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreRuntime

/// Secrets and configs (`TaskSpec.files`), seen from inside the instance: copies in a tmpfs of
/// the instance's own, bound read-only at their targets, with their owner and mode.
extension LinuxTaskDriverTests {
    /// Runs `script` to its end in an instance with `files`; its stdout lines.
    func runWithFiles(_ spec: TaskSpec, driver: LinuxTaskDriver) async throws -> [String] {
        let handle = try await driver.startRemovedAfterTest(spec)
        let exit = try await driver.wait(handle)
        let log = (try? FileIO.readString(handle.logFile)) ?? ""
        #expect(exit.status == .exited(0), "\(log)")
        return log.split(separator: "\n").compactMap { line in
            line.range(of: " stdout F ").map { String(line[$0.upperBound...]) }
        }
    }

    /// What the script prints about `path`: its content, owner and mode, its mount (filesystem
    /// type and options from mountinfo), and what a write to it says.
    static func probe(_ path: String) -> String {
        """
        cat \(path); echo; stat -c 'owner %u:%g mode %a' \(path); \
        awk '$5 == "\(path)" { print "mount", $6, $(NF-2) }' /proc/self/mountinfo; \
        if (echo changed > \(path)) 2>/dev/null; then echo write-succeeded; else echo write-refused; fi; \
        cat \(path); echo
        """
    }

    @Test func aSecretOnTheHostRootIsAReadOnlyTmpfsCopyOwnedByTheWorkloadWithMode0400() async throws {
        let name = TestEnvironment.uniqueName("secret")
        var s = spec(name, ["sh", "-c", Self.probe("/run/secrets/token")], user: "1001:1002")
        s.files = [InstanceFile(destination: "/run/secrets/token", content: Array("hunter2".utf8), mode: 0o400)]
        let lines = try await runWithFiles(s, driver: driver)
        // The non-root workload reads its own secret; a write fails (and changes nothing).
        #expect(lines.first == "hunter2", "\(lines)")
        #expect(lines.contains("owner 1001:1002 mode 400"), "\(lines)")
        #expect(lines.contains("write-refused"), "\(lines)")
        #expect(lines.last == "hunter2", "\(lines)")
        let mount = try #require(lines.first { $0.hasPrefix("mount ") }, "\(lines)")
        #expect(mount.hasPrefix("mount ro,"), "\(mount)")
        #expect(mount.hasSuffix(" tmpfs"), "\(mount)")
    }

    @Test func evenARootWorkloadCannotWriteItsSecretNorReachTheTmpfsItCameFrom() async throws {
        let name = TestEnvironment.uniqueName("secretroot")
        let script = Self.probe("/run/secrets/token") + "; grep -c '/files' /proc/self/mountinfo || true; ls /run/secrets"
        var s = spec(name, ["sh", "-c", script])
        s.files = [InstanceFile(destination: "/run/secrets/token", content: Array("root-only\n".utf8), mode: 0o400)]
        let lines = try await runWithFiles(s, driver: driver)
        #expect(lines.first == "root-only", "\(lines)")
        #expect(lines.contains("owner 0:0 mode 400"), "\(lines)")
        #expect(lines.contains("write-refused"), "\(lines)")
        // Only the bound file: the staging tmpfs left with the host's tree at pivot_root.
        #expect(lines.contains("0"), "\(lines)")
        #expect(lines.last == "token", "\(lines)")
    }

    @Test func aConfigOnAReadOnlyImageRootGetsItsTargetContentAndMode() async throws {
        let fixture = try imageRootFixture()
        let name = TestEnvironment.uniqueName("config")
        let script = Self.probe("/etc/app/app.conf") + "; " + Self.probe("/run/secrets/db")
        var s = imageSpec(name, ["/bin/sh", "-c", script], fixture: fixture, user: "app", readOnly: true)
        s.files = [
            InstanceFile(destination: "/etc/app/app.conf", content: Array("port=8080\n".utf8), mode: 0o444),
            InstanceFile(destination: "/run/secrets/db", content: Array("pw".utf8), mode: 0o440, uid: 4242, gid: 1000),
        ]
        let lines = try await runWithFiles(s, driver: fixture.driver)
        #expect(lines.first == "port=8080", "\(lines)")
        // A config belongs to the workload's user (app, 1000) unless it says otherwise.
        #expect(lines.contains("owner 1000:1000 mode 444"), "\(lines)")
        #expect(lines.filter { $0 == "write-refused" }.count == 2, "\(lines)")
        #expect(lines.contains("owner 4242:1000 mode 440"), "\(lines)")
        // The group may read it; app is in group 1000.
        #expect(lines.contains("pw"), "\(lines)")
        #expect(lines.filter { $0.hasPrefix("mount ro,") && $0.hasSuffix(" tmpfs") }.count == 2, "\(lines)")
    }

    /// The attack: a root workload with SYS_ADMIN looks for the staging tmpfs, the other copies,
    /// or the host file behind its secret. Each copy is a bind of one file (mountinfo shows its
    /// root as `/0`, and the staging directory nowhere); unmounting it leaves the empty mount
    /// point, not a way up.
    @Test func aRootWorkloadWithSysAdminFindsNoPathFromItsSecretToTheStagingTmpfsOrTheHost() async throws {
        let name = TestEnvironment.uniqueName("secretescape")
        let script = """
            awk '$5 == "/run/secrets/a" { print "root", $4 }' /proc/self/mountinfo; \
            grep -c -e '\(stateDir)/\(name)/files' /proc/self/mountinfo || true; \
            umount /run/secrets/a && echo unmounted; \
            echo "after: $(cat /run/secrets/a)"; cat /run/secrets/b; echo
            """
        var s = spec(name, ["sh", "-c", script])
        s.capAdd = ["SYS_ADMIN"]
        s.files = [InstanceFile(destination: "/run/secrets/a", content: Array("first".utf8), mode: 0o400),
                   InstanceFile(destination: "/run/secrets/b", content: Array("second".utf8), mode: 0o400)]
        let lines = try await runWithFiles(s, driver: driver)
        #expect(lines == ["root /0", "0", "unmounted", "after: ", "second"], "\(lines)")
    }

    @Test func binaryContentArrivesByteForByte() async throws {
        let name = TestEnvironment.uniqueName("secretbytes")
        let bytes: [UInt8] = [0, 1, 2, 0xff, 0, 10, 0x7f]
        var s = spec(name, ["sh", "-c", "od -An -tx1 /run/secrets/key | tr -s ' '"])
        s.files = [InstanceFile(destination: "/run/secrets/key", content: bytes, mode: 0o400)]
        let lines = try await runWithFiles(s, driver: driver)
        #expect(lines.first == " 00 01 02 ff 00 0a 7f", "\(lines)")
    }

    @Test func twoFilesAtOneTargetAreRefusedBeforeAnythingStarts() async throws {
        let name = TestEnvironment.uniqueName("secrettwice")
        var s = spec(name, ["true"])
        s.files = [InstanceFile(destination: "/run/secrets/a", content: [], mode: 0o400),
                   InstanceFile(destination: "/run/secrets//a", content: [], mode: 0o400)]
        try await expectRefusedStart(s) { error in
            #expect(error.code == .invalidSpec)
            #expect(error.message == "two secrets or configs are mounted at /run/secrets/a")
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }
}
