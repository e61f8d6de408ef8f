import AICoreServer
import Testing

/// Which cgroup root an agent's instances get: the service's own name for the service's state
/// directory, and one of its own for every other agent on the host.
@Suite struct ControlPlaneCgroupRootTests {
    @Test func theServiceKeepsAicoreAndOtherAgentsGetTheirOwn() {
        #expect(ControlPlane.cgroupRoot(stateDirectory: "/var/lib/aicore") == "aicore")
        #expect(ControlPlane.cgroupRoot(stateDirectory: "/var/lib/aicore/") == "aicore")
        let embedded = ControlPlane.cgroupRoot(stateDirectory: "/home/ops/app/.aicore")
        #expect(embedded.hasPrefix("aicore-") && embedded.count == "aicore-".count + 8)
        // Stable for one directory (re-adoption finds its cgroups), distinct between two.
        #expect(ControlPlane.cgroupRoot(stateDirectory: "/home/ops/app/.aicore") == embedded)
        #expect(ControlPlane.cgroupRoot(stateDirectory: "/home/ops/other/.aicore") != embedded)
    }
}
