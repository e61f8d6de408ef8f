@testable import AICoreOS
import AICoreSystem
import Foundation
import Testing

/// `down` leaves no empty stack or service cgroup behind, and never removes an agent's root or
/// anything that is not below one. Plain directories stand in for cgroups (rmdir is the same).
@Suite struct CgroupFileIOTests {
    func tree(_ root: String) throws -> (base: String, instance: String) {
        let base = "/tmp/aicore-cgio-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let instance = "\(base)/\(root)/demo/api/demo-api-1"
        try FileManager.default.createDirectory(atPath: instance, withIntermediateDirectories: true)
        return (base, instance)
    }

    @Test func emptyServiceAndStackGoTheSharedRootStays() throws {
        let (base, instance) = try tree("aicore")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try CgroupFileIO.removeDirectory(instance, timeout: .seconds(1))
        CgroupFileIO.removeEmptyAncestors(of: instance)
        #expect(!FileManager.default.fileExists(atPath: "\(base)/aicore/demo"))
        #expect(FileManager.default.fileExists(atPath: "\(base)/aicore"))
    }

    @Test func anAgentsPrivateRootGoesWithItsLastStack() throws {
        let (base, instance) = try tree("aicore-1a2b3c4d")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let other = "\(base)/aicore-1a2b3c4d/other/api/other-api-1"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try CgroupFileIO.removeDirectory(instance, timeout: .seconds(1))
        CgroupFileIO.removeEmptyAncestors(of: instance)
        // Another stack is still there: the root stays until it goes too.
        #expect(!FileManager.default.fileExists(atPath: "\(base)/aicore-1a2b3c4d/demo"))
        #expect(FileManager.default.fileExists(atPath: "\(base)/aicore-1a2b3c4d"))
        try CgroupFileIO.removeDirectory(other, timeout: .seconds(1))
        CgroupFileIO.removeEmptyAncestors(of: other)
        #expect(!FileManager.default.fileExists(atPath: "\(base)/aicore-1a2b3c4d"))
        #expect(FileManager.default.fileExists(atPath: base))
    }

    @Test func aServiceWithOtherInstancesStays() throws {
        let (base, instance) = try tree("aicore")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: "\(base)/aicore/demo/api/demo-api-2", withIntermediateDirectories: true)
        try CgroupFileIO.removeDirectory(instance, timeout: .seconds(1))
        CgroupFileIO.removeEmptyAncestors(of: instance)
        #expect(FileManager.default.fileExists(atPath: "\(base)/aicore/demo/api"))
    }

    @Test func nothingOutsideAnAgentsRootIsTouched() throws {
        let (base, instance) = try tree("elsewhere")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try CgroupFileIO.removeDirectory(instance, timeout: .seconds(1))
        CgroupFileIO.removeEmptyAncestors(of: instance)
        #expect(FileManager.default.fileExists(atPath: "\(base)/elsewhere/demo/api"))
    }

    /// A cgroup that is gone, or going (systemd collects an emptied scope at once), is not an error
    /// for a read of its files: it has no processes left. Any other failure still is one.
    @Test(arguments: [(ENOENT, true), (ENODEV, true), (EACCES, false), (EBUSY, false), (EINVAL, false)])
    func aRemovedCgroupIsGoneNotAFailure(errno code: Int32, gone: Bool) {
        #expect(CgroupFileIO.isGone(.errno(code, "read cgroup.events")) == gone)
    }

    @Test func aFileThatDoesNotParseIsNotGone() {
        #expect(!CgroupFileIO.isGone(SystemError(code: .malformedFile, operation: "read memory.events")))
    }
}
