import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CgroupSystemdManagerTests {
    let manager = CgroupSystemdManager(root: "/sys/fs/cgroup")

    @Test func aRuntimeCgroupPathMapsToTheInstancesScopeCgroup() throws {
        let handle = try manager.handle(for: "aicore/demo/api/demo-api-1")
        #expect(handle.relativePath == "aicore.slice/aicore-demo-api-1.scope")
        #expect(handle.unifiedDirectory == "/sys/fs/cgroup/aicore.slice/aicore-demo-api-1.scope")
        #expect(handle.directories == ["/sys/fs/cgroup/aicore.slice/aicore-demo-api-1.scope"])
    }

    @Test func theScopesPathAsATaskRecordKeepsItNamesTheSameScope() throws {
        let recorded = try manager.handle(for: "aicore/demo/api/demo-api-1").relativePath
        #expect(try manager.handle(for: recorded).relativePath == recorded)
        #expect(try manager.scope(for: recorded).name == "aicore-demo-api-1.scope")
    }

    @Test func theInitIsPlacedByStartingTheScopeNotClonedIntoIt() throws {
        #expect(!manager.placesAtClone)
        #expect(CgroupV2Manager(root: "/sys/fs/cgroup").placesAtClone)
        #expect(manager.version == .v2)
    }

    @Test func createChecksTheLimitsAndTouchesNothing() throws {
        #expect(throws: SystemError.self) { _ = try manager.create("aicore/demo/api/demo-api-1", limits: CgroupLimits(cpus: -1)) }
        let handle = try CgroupSystemdManager(root: "/nonexistent").create("aicore/demo/api/demo-api-1", limits: CgroupLimits())
        #expect(handle.unifiedDirectory == "/nonexistent/aicore.slice/aicore-demo-api-1.scope")
    }
}
