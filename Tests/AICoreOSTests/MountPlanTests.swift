#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif
import Testing
@testable import AICoreOS

@Suite struct MountPlanTests {
    func plan(_ mounts: [MountSpec] = [], rootfs: String = "/", readOnly: Bool = true) -> MountPlan {
        MountPlan.build(.init(rootfs: rootfs, newRoot: "/state/x/rootfs", readOnlyRoot: readOnly, mounts: mounts,
                              hostsFile: "/state/x/hosts", hostnameFile: "/state/x/hostname", hiddenPaths: ["/var/lib/aicore"]),
                        isDirectory: { !$0.hasSuffix(".conf") })
    }

    @Test func orderIsPrivateBindReadOnlyThenPivotLast() throws {
        let ops = plan().operations
        #expect(ops[0].kind == .mount && ops[0].target == "/" && ops[0].description == "make / private")
        #expect(ops[1].kind == .mount && ops[1].source == "/" && ops[1].target == "/state/x/rootfs")
        #expect(ops[2].kind == .setReadOnly && ops[2].target == "/state/x/rootfs" && ops[2].mode == 1)
        #expect(ops.filter { $0.kind == .setReadOnly }.allSatisfy { $0.flags == MountPlan.mountAttrReadOnly })
        #expect(ops.last?.kind == .pivot)
        #expect(ops.filter { $0.kind == .pivot }.count == 1)
    }

    /// Once the root is bound, every path is opened beneath it with no symlink followed, and
    /// every bind source the service gave is opened on the host with no symlink followed: a
    /// volume's contents are the workload's, and so may be any symlink in them (finding 5).
    @Test func pathsAfterTheRootIsOpenedAreResolvedInsideItAndFollowNoSymlinks() throws {
        let mounts = [try MountSpec.parseVolume("/h/data:/data"), try MountSpec.parseVolume("/h/data/sub:/data/sub:ro"),
                      try MountSpec.parseVolume("/h/app.conf:/etc/app.conf"), try MountSpec.parseTmpfs("/scratch")]
        let ops = plan(mounts).operations
        let open = try #require(ops.firstIndex { $0.kind == .openRoot })
        #expect(ops[open].target == "/state/x/rootfs" && ops[open].targetResolution == .host)
        #expect(ops.filter { $0.kind == .openRoot }.count == 1)
        #expect(ops[..<open].map(\.description) == ["make / private", "bind root /", "remount / read-only"])
        #expect(ops[..<open].allSatisfy { $0.targetResolution == .host && $0.sourceResolution != .hostNoSymlinks })
        for op in ops[(open + 1)...] where op.kind != .pivot {
            #expect(op.targetResolution == .inRoot, "\(op.description)")
            #expect(op.target.hasPrefix("/") && !op.target.hasPrefix("/state"), "\(op.description)")
        }
        #expect(ops.last?.kind == .pivot && ops.last?.targetResolution == .host)

        let binds = ops.filter { $0.kind == .mount && $0.description.hasPrefix("bind /h/") }
        #expect(binds.map(\.source) == ["/h/data", "/h/data/sub", "/h/app.conf"])
        #expect(binds.allSatisfy { $0.sourceResolution == .hostNoSymlinks && $0.declared })
        #expect(ops.filter { $0.description.hasSuffix("/scratch") }.allSatisfy { $0.declared })
        // The agent's own sources are used as given; filesystem names and link texts are no paths.
        #expect(ops.filter { $0.kind == .mount && $0.source?.hasPrefix("/dev/") == true }.allSatisfy { $0.sourceResolution == .host })
        #expect(ops.filter { $0.kind == .mask }.allSatisfy { $0.sourceResolution == .host && !$0.declared })
        #expect(ops.filter { $0.fstype != nil || $0.kind == .symlink }.allSatisfy { $0.sourceResolution == .none })
    }

    @Test func freshProcDevSysTmpAndHiddenRun() {
        let ops = plan().operations
        func find(_ d: String) -> MountPlan.Operation? { ops.first { $0.description == d } }
        #expect(find("mount /proc")?.fstype == "proc")
        #expect(find("mount /dev")?.fstype == "tmpfs")
        #expect(find("mount /sys")?.fstype == "sysfs")
        #expect(find("remount /sys read-only") != nil)
        #expect(find("mount /tmp")?.data == "mode=1777")
        #expect(find("mount /run") != nil)
        #expect(find("hide /var/lib/aicore")?.optional == true)
        for node in MountPlan.deviceNodes { #expect(find("bind /dev/\(node)")?.source == "/dev/\(node)") }
        #expect(find("mount /dev/pts")?.data?.contains("newinstance") == true)
    }

    @Test func hiddenFilesGetDevNullAndHiddenDirectoriesAnEmptyTmpfsReadOnlyOnceTheBindsAreIn() throws {
        let directories: Set = ["/root", "/home", "/home/app", "/srv", "/srv/data", "/vol/data", "/vol/srv"]
        let mounts = [MountSpec(destination: "/root/data", kind: .bind(source: "/vol/data", readOnly: false)),
                      MountSpec(destination: "/srv", kind: .bind(source: "/vol/srv", readOnly: true))]
        let hidden = ["/etc/shadow", "/root", "/home", "/home/app", "/run/aicore", "/tmp/x", "/srv/data"]
        let ops = MountPlan.build(.init(newRoot: "/r", mounts: mounts, hiddenPaths: hidden),
                                  isDirectory: { directories.contains($0) }).operations
        func index(_ d: String) throws -> Int { try #require(ops.firstIndex { $0.description == d }, "\(d)") }

        let shadow = ops[try index("hide /etc/shadow")]
        #expect(shadow.kind == .mask && shadow.source == "/dev/null" && shadow.target == "/etc/shadow" && shadow.optional)
        let root = ops[try index("hide /root")]
        #expect(root.kind == .mount && root.fstype == "tmpfs" && root.flags & UInt(MS_RDONLY) == 0 && root.optional)
        // The bind's mount point is made in the hidden tmpfs, which turns read-only afterwards.
        #expect(try index("hide /root") < index("mkdir /root/data"))
        #expect(try index("bind /vol/data to /root/data") < index("remount hidden /root read-only"))
        let readOnly = ops[try index("remount hidden /root read-only")]
        #expect(readOnly.kind == .setReadOnly && readOnly.mode == 0 && readOnly.target == "/root")
        #expect(ops.contains { $0.description == "hide /home" })
        for skipped in ["/home/app", "/run/aicore", "/tmp/x", "/srv/data"] {
            #expect(!ops.contains { $0.description.hasSuffix(" \(skipped)") && $0.description.contains("hide") }, "\(skipped)")
        }
        #expect(!ops.contains { $0.description == "remount hidden /etc/shadow read-only" }, "a file is /dev/null already")

        let other = MountPlan.build(.init(rootfs: "/images/x", newRoot: "/r", hiddenPaths: hidden), isDirectory: { _ in true })
        #expect(!other.operations.contains { $0.description.contains("hide") }, "only the host root hides host paths")
    }

    @Test func boundDirectoriesAreNosuidNodevAndBoundFilesKeepTheirFlags() throws {
        let mounts = [MountSpec(destination: "/data", kind: .bind(source: "/vol/data", readOnly: false)),
                      MountSpec(destination: "/dev/fuse", kind: .bind(source: "/dev/fuse", readOnly: false))]
        let ops = MountPlan.build(.init(newRoot: "/r", mounts: mounts), isDirectory: { $0 == "/vol/data" }).operations
        let restrict = try #require(ops.first { $0.description == "remount /data nosuid,nodev" })
        #expect(restrict.kind == .setNosuidNodev && restrict.target == "/data" && restrict.mode == 1)
        #expect(!ops.contains { $0.kind == .setNosuidNodev && $0.target == "/dev/fuse" })
    }

    @Test func dockerMaskedAndReadOnlyPaths() {
        let ops = plan().operations
        for p in MountPlan.dockerMaskedPaths {
            #expect(ops.contains { $0.kind == .mask && $0.target == p && $0.optional })
        }
        for p in MountPlan.dockerReadOnlyPaths {
            #expect(ops.contains { $0.kind == .setReadOnly && $0.target == p })
            #expect(ops.contains { $0.kind == .mount && $0.source == p && $0.sourceResolution == .inRoot && $0.target == p })
        }
        #expect(MountPlan.dockerMaskedPaths.contains("/proc/kcore"))
        #expect(MountPlan.dockerReadOnlyPaths.contains("/proc/sys"))
    }

    @Test func volumesParentFirstReadOnlyAndFiles() throws {
        let mounts = [
            try MountSpec.parseVolume("/h/data/sub:/data/sub:ro"),
            try MountSpec.parseVolume("/h/data:/data"),
            try MountSpec.parseVolume("/h/app.conf:/etc/app.conf:ro"),
            try MountSpec.parseTmpfs("/scratch:size=64m,mode=700"),
        ]
        let ops = plan(mounts).operations
        let binds = ops.filter { $0.kind == .mount && $0.description.hasPrefix("bind /h") }.map(\.target)
        #expect(binds == ["/data", "/data/sub", "/etc/app.conf"])
        #expect(ops.contains { $0.kind == .setReadOnly && $0.target == "/data/sub" })
        #expect(!ops.contains { $0.kind == .setReadOnly && $0.target == "/data" })
        #expect(ops.contains { $0.kind == .mkfile && $0.target == "/etc/app.conf" })
        let tmpfs = try #require(ops.first { $0.description == "mount tmpfs on /scratch" })
        #expect(tmpfs.data == "mode=700,size=67108864")
        #expect(tmpfs.flags & UInt(MS_RDONLY) == 0)
    }

    @Test func aReadOnlyTmpfsIsMountedReadOnly() throws {
        #expect(try MountSpec.parseTmpfs("/ro:size=1m,ro") == MountSpec(destination: "/ro", kind: .tmpfs(sizeBytes: 1 << 20, mode: nil, readOnly: true)))
        #expect(try MountSpec.parseTmpfs("/rw:ro,rw") == MountSpec(destination: "/rw", kind: .tmpfs(sizeBytes: nil, mode: nil, readOnly: false)))
        let ops = plan([try MountSpec.parseTmpfs("/ro:ro")]).operations
        let tmpfs = try #require(ops.first { $0.description == "mount tmpfs on /ro" })
        #expect(tmpfs.flags == UInt(MS_NOSUID | MS_NODEV | MS_RDONLY))
    }

    @Test func customRootfsWritableUnlessAsked() {
        let writable = plan(rootfs: "/images/deb", readOnly: false).operations
        #expect(!writable.contains { $0.kind == .setReadOnly && $0.target == "/state/x/rootfs" })
        #expect(!writable.contains { $0.description == "mount /run" })
        let ro = plan(rootfs: "/images/deb", readOnly: true).operations
        #expect(ro.contains { $0.kind == .setReadOnly && $0.target == "/state/x/rootfs" })
    }

    @Test func aReadOnlyRootOfOurOwnGetsItsMountPointsBeforeItTurnsReadOnly() throws {
        let mounts = [MountSpec(destination: "/srv/app/data", kind: .bind(source: "/vol/data", readOnly: false)),
                      MountSpec(destination: "/etc/app.conf", kind: .bind(source: "/vol/app.conf", readOnly: true))]
        let ops = MountPlan.build(.init(rootfs: "/images/deb", newRoot: "/state/x/rootfs", readOnlyRoot: true, mounts: mounts,
                                        hostsFile: "/state/x/hosts", hostnameFile: "/state/x/hostname"),
                                  isDirectory: { $0 == "/vol/data" }).operations
        let readOnly = try #require(ops.firstIndex { $0.kind == .setReadOnly && $0.target == "/state/x/rootfs" })
        let early = ops[..<readOnly]
        for path in ["/proc", "/dev", "/sys", "/tmp", "/etc", "/srv", "/srv/app", "/srv/app/data"] {
            #expect(early.contains { $0.kind == .mkdir && $0.target == path }, "mkdir \(path) before read-only")
        }
        for path in ["/etc/hosts", "/etc/hostname", "/etc/app.conf"] {
            #expect(early.contains { $0.kind == .mkfile && $0.target == path }, "create \(path) before read-only")
        }
        // Made beneath the opened root, never on a host path.
        #expect(early.filter { $0.kind == .mkdir || $0.kind == .mkfile }.allSatisfy { $0.targetResolution == .inRoot })
        #expect(ops.firstIndex { $0.kind == .openRoot }! < ops.firstIndex { $0.kind == .mkdir }!)

        // The host's root goes read-only first and gets no mount point of ours.
        let host = plan(mounts, readOnly: true).operations
        let hostReadOnly = try #require(host.firstIndex { $0.kind == .setReadOnly && $0.target == "/state/x/rootfs" })
        #expect(!host[..<hostReadOnly].contains { $0.kind == .mkdir || $0.kind == .mkfile })
    }

    @Test func hostsAndHostnameAreBoundReadOnly() {
        let ops = plan().operations
        #expect(ops.contains { $0.kind == .mount && $0.source == "/state/x/hosts" && $0.sourceResolution == .host && $0.target == "/etc/hosts" })
        #expect(ops.contains { $0.kind == .setReadOnly && $0.target == "/etc/hostname" })
    }

    @Test(arguments: ["data:/x", "/a:rel", "/a:/b:rx", "/a:/../etc", "/a:/"])
    func badVolumes(_ text: String) {
        #expect(throws: MountSpec.ParseError.self) { try MountSpec.parseVolume(text) }
    }

    @Test func byteCounts() {
        #expect(ByteCount.parse("64m") == 64 << 20)
        #expect(ByteCount.parse("1G") == 1 << 30)
        #expect(ByteCount.parse("512kb") == 512 << 10)
        #expect(ByteCount.parse("4096") == 4096)
        #expect(ByteCount.parse("x") == nil)
        #expect(ByteCount.parse("0") == nil)
    }
}
