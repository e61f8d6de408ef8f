import AICoreSystem
import Foundation
import Testing
@testable import AICoreOS

/// The v2 freezer's files, on a fake tree: the write to `cgroup.freeze`, and `cgroup.events`
/// read for the kernel's answer (the real kernel's are CgroupKernelTests', in the v2 VM).
extension CgroupV2ManagerTests {
    @Test func aFreezeWritesCgroupFreezeAndEndsWhenCgroupEventsSaysFrozen() throws {
        let handle = try manager.handle(for: path)
        try tree.write("populated 1\nfrozen 1\n", to: "\(path)/cgroup.events")
        try manager.setFrozen(true, handle)
        #expect(tree.contents("\(path)/cgroup.freeze")?.hasPrefix("1") == true)
        #expect(try manager.isFrozen(handle))

        try tree.write("populated 1\nfrozen 0\n", to: "\(path)/cgroup.events")
        try manager.setFrozen(false, handle)
        #expect(tree.contents("\(path)/cgroup.freeze")?.hasPrefix("0") == true)
        #expect(try !manager.isFrozen(handle))
    }

    @Test func withoutCgroupFreezeTheKernelHasNoFreezer() throws {
        try FileManager.default.removeItem(atPath: tree.path("\(path)/cgroup.freeze"))
        #expect { try manager.setFrozen(true, manager.handle(for: path)) } throws: { error in
            (error as? SystemError)?.code == .controllerUnavailable
        }
    }
}
