import AICoreServer
import Testing

/// Which cgroup root an agent's instances get: the service's own name for the service's state
/// directory, and one of its own for every other agent on the host.
@Suite struct LocalNodeCgroupRootTests {
    @Test func theServiceKeepsAicoreAndOtherAgentsGetTheirOwn() {
        #expect(LocalNode.cgroupRoot(stateDirectory: "/var/lib/aicore") == "aicore")
        #expect(LocalNode.cgroupRoot(stateDirectory: "/var/lib/aicore/") == "aicore")
        let embedded = LocalNode.cgroupRoot(stateDirectory: "/home/ops/app/.aicore")
        #expect(embedded.hasPrefix("aicore-") && embedded.count == "aicore-".count + 8)
        // Stable for one directory (re-adoption finds its cgroups), distinct between two.
        #expect(LocalNode.cgroupRoot(stateDirectory: "/home/ops/app/.aicore") == embedded)
        #expect(LocalNode.cgroupRoot(stateDirectory: "/home/ops/other/.aicore") != embedded)
    }
}
