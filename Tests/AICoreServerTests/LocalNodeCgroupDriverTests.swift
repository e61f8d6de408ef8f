import AICoreErrors
import AICoreOS
import AICoreServer
import Testing

/// Which cgroup manager the agent's `cgroup_driver` gives on this host. The same checks hold on a
/// host with systemd (PID 1, cgroup v2, answering on D-Bus) and on one without: what the host
/// offers is probed first, and each test says what that host must get.
@Suite struct LocalNodeCgroupDriverTests {
    static func configuration(_ driver: CgroupDriver) -> AgentConfiguration {
        var configuration = AgentConfiguration.local("/nonexistent/aicore-driver-test")
        configuration.cgroupDriver = driver
        return configuration
    }

    static func host() throws -> SystemdHost {
        SystemdHost.probe(layout: try CgroupDetection.layout())
    }

    @Test func cgroupfsNeverAsksSystemd() async throws {
        let manager = try await LocalNode.cgroupManager(for: Self.configuration(.cgroupfs))
        #expect(!(manager is CgroupSystemdManager))
    }

    @Test func autoTakesSystemdExactlyWhereTheHostHasIt() async throws {
        let host = try Self.host()
        let manager = try await LocalNode.cgroupManager(for: Self.configuration(.auto))
        #expect((manager is CgroupSystemdManager) == (host.unavailableReason == nil),
                "host: \(host.unavailableReason ?? "systemd with cgroup v2")")
    }

    @Test func systemdOnAHostWithoutItStopsTheAgentSayingWhyAndWhatToSet() async throws {
        let host = try Self.host()
        guard let reason = host.unavailableReason else {
            let manager = try await LocalNode.cgroupManager(for: Self.configuration(.systemd))
            #expect(manager is CgroupSystemdManager)
            return
        }
        await #expect {
            _ = try await LocalNode.cgroupManager(for: Self.configuration(.systemd))
        } throws: { error in
            guard let error = error as? AICoreError else { return false }
            return error.code == .unavailable && error.message == "cgroup_driver: systemd: use the systemd cgroup driver: \(reason); "
                + "choose the cgroupfs driver (or auto) instead"
        }
    }
}
