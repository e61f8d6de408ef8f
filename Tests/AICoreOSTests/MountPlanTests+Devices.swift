#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif
import Testing
@testable import AICoreOS

extension MountPlanTests {
    @Test func devShmHasTheSizeAskedForOrDockersDefault() throws {
        var options = MountPlan.Options(newRoot: "/state/x/rootfs")
        let shm = { (plan: MountPlan) in plan.operations.first { $0.kind == .mount && $0.target == "/dev/shm" }?.data }
        #expect(shm(MountPlan.build(options, isDirectory: { _ in true })) == "mode=1777,size=65536k")
        options.shmSizeBytes = 256 << 20
        #expect(shm(MountPlan.build(options, isDirectory: { _ in true })) == "mode=1777,size=268435456")
    }

    /// A device is bound after /dev is made, over an empty file, its directories made on the
    /// way, the host's node resolved through no symlink.
    @Test func aDeviceIsBoundIntoDevThroughNoSymlink() throws {
        var options = MountPlan.Options(newRoot: "/state/x/rootfs")
        options.devices = [("/dev/net/tun", "/dev/net/tun")]
        let ops = MountPlan.build(options, isDirectory: { _ in true }).operations
        let dev = try #require(ops.firstIndex { $0.kind == .mount && $0.target == "/dev" })
        let bind = try #require(ops.firstIndex { $0.kind == .mount && $0.target == "/dev/net/tun" })
        #expect(dev < bind)
        #expect(ops[bind].source == "/dev/net/tun" && ops[bind].sourceResolution == .hostNoSymlinks)
        #expect(ops[bind - 1].kind == .mkfile && ops[bind - 1].target == "/dev/net/tun")
        #expect(ops[bind - 2].kind == .mkdir && ops[bind - 2].target == "/dev/net")
        #expect(MountPlan.parentDirectories(of: "/dev/a/b/c", below: "/dev") == ["/dev/a", "/dev/a/b"])
        #expect(MountPlan.parentDirectories(of: "/dev/fuse", below: "/dev").isEmpty)
    }
}
