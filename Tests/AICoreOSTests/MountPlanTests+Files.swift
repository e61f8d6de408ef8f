#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif
import Testing
@testable import AICoreOS

/// Secrets and configs in the plan: a staging tmpfs on a host path of the agent's own, the
/// copies written there, the tmpfs read-only, then each copy bound read-only at its target.
extension MountPlanTests {
    func plan(files: [InstanceFile], mounts: [MountSpec] = [], rootfs: String = "/", readOnly: Bool = true) -> MountPlan {
        var options = MountPlan.Options(rootfs: rootfs, newRoot: "/state/x/rootfs", readOnlyRoot: readOnly, mounts: mounts,
                                        hostsFile: "/state/x/hosts", hostnameFile: "/state/x/hostname")
        options.files = files
        options.filesStaging = "/state/x/files"
        return MountPlan.build(options, isDirectory: { !$0.hasSuffix(".conf") })
    }

    static let files = [
        InstanceFile(destination: "/run/secrets/token", content: [0, 1, 2], mode: 0o400, uid: 1000, gid: 1001),
        InstanceFile(destination: "/etc/app/app.conf", content: Array("x".utf8), mode: 0o444, uid: 0, gid: 0),
    ]

    @Test func filesAreWrittenIntoAReadOnlyStagingTmpfsThenBoundReadOnly() throws {
        let ops = plan(files: Self.files, mounts: [try MountSpec.parseTmpfs("/etc/app")]).operations
        let staging = try #require(ops.firstIndex { $0.target == "/state/x/files" && $0.kind == .mount })
        #expect(ops[staging].fstype == "tmpfs" && ops[staging].targetResolution == .host)
        #expect(ops[staging].flags == UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC))
        #expect(ops[staging].data?.hasPrefix("mode=700,size=") == true)
        let writes = ops.enumerated().filter { $0.element.kind == .writeFile }
        #expect(writes.map(\.element.target) == ["/state/x/files/0", "/state/x/files/1"])
        #expect(writes.allSatisfy { $0.element.targetResolution == .host && $0.offset > staging })
        #expect(writes[0].element.content == [0, 1, 2] && writes[0].element.mode == 0o400)
        #expect(writes[0].element.uid == 1000 && writes[0].element.gid == 1001)
        let sealed = try #require(ops.firstIndex { $0.kind == .setReadOnly && $0.target == "/state/x/files" })
        #expect(writes.allSatisfy { $0.offset < sealed })
        for (index, file) in Self.files.enumerated() {
            let bind = try #require(ops.firstIndex { $0.kind == .mount && $0.target == file.destination })
            #expect(bind > sealed)
            #expect(ops[bind].source == "/state/x/files/\(index)" && ops[bind].sourceResolution == .host)
            #expect(ops[bind].targetResolution == .inRoot && ops[bind].flags == UInt(MS_BIND))
            #expect(ops[bind + 1].kind == .setReadOnly && ops[bind + 1].target == file.destination && ops[bind + 1].mode == 0)
            #expect(ops[..<bind].contains { $0.kind == .mkfile && $0.target == file.destination })
        }
        // After the service's own mounts (the config lands inside its tmpfs), before pivot_root.
        let tmpfs = try #require(ops.firstIndex { $0.kind == .mount && $0.target == "/etc/app" })
        #expect(tmpfs < staging)
        #expect(ops.last?.kind == .pivot)
    }

    @Test func onAReadOnlyRootOfItsOwnTheMountPointsAreMadeBeforeItTurnsReadOnly() throws {
        let ops = plan(files: Self.files, rootfs: "/images/x", readOnly: true).operations
        let readOnly = try #require(ops.firstIndex { $0.kind == .setReadOnly && $0.target == "/state/x/rootfs" })
        for target in ["/run", "/run/secrets", "/run/secrets/token", "/etc/app", "/etc/app/app.conf"] {
            let made = try #require(ops.firstIndex { ($0.kind == .mkdir || $0.kind == .mkfile) && $0.target == target }, "\(target)")
            #expect(made < readOnly, "\(target)")
        }
    }

    @Test func noFilesNoStaging() {
        let ops = plan(files: []).operations
        #expect(!ops.contains { $0.kind == .writeFile || $0.target.hasPrefix("/state/x/files") })
    }

    @Test func anInstanceFileNeverPrintsItsContent() {
        let file = InstanceFile(destination: "/run/secrets/token", content: Array("hunter2".utf8), mode: 0o400)
        for text in [String(describing: file), String(reflecting: file), "\([file])", String(describing: Mirror(reflecting: file).children.map(\.value))] {
            #expect(!text.contains("hunter2") && !text.contains("104, 117"), "\(text)")
        }
    }
}
