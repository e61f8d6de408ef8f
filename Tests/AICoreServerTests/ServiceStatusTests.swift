import AICoreSpec
import Testing
@testable import AICoreServer

/// A service's status names what it depends on, and the CLI orders every service of a stack by
/// it when none is named (`start`, `stop`, `restart`).
@Suite struct ServiceStatusTests {
    static func status(_ name: String, _ dependsOn: [String]) -> ServiceStatus {
        ServiceStatus(stack: "s", name: name, desired: 1, running: 1, ready: 1, completed: 0, failed: 0, pending: 0, stopped: 0,
                      vip: nil, ports: [], converged: true, specHash: nil, dependsOn: dependsOn)
    }

    @Test func startOrderPutsEachServiceAfterWhatItDependsOnAndKeepsFileOrderOtherwise() {
        let services = [Self.status("nginx", ["api"]), Self.status("api", ["db", "redis"]), Self.status("worker", []),
                        Self.status("db", []), Self.status("redis", [])]
        #expect(ServiceStatus.startOrder(services).map(\.name) == ["db", "redis", "api", "nginx", "worker"])
        // A name outside the list (a profile's) and a cycle do not stop the ordering.
        let odd = [Self.status("a", ["b", "gone"]), Self.status("b", ["a"])]
        #expect(Set(ServiceStatus.startOrder(odd).map(\.name)) == ["a", "b"])
    }

    @Test func aServicesStatusNamesItsDependencies() {
        var api = Service(name: "api")
        api.dependsOn = [ServiceDependency(service: "db", condition: .serviceHealthy)]
        let status = ControlPlane.serviceStatus(api, stack: "s", instances: [], vip: nil, specHash: nil)
        #expect(status.dependsOn == ["db"])
    }
}
