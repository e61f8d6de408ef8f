import Testing
@testable import AICoreOS

@Suite struct CgroupDriverTests {
    static let systemdHost = SystemdHost(isBooted: true, setup: .unified)

    @Test func autoPicksSystemdOnlyWhereItIsPID1WithCgroupV2AndAnswersOnTheBus() throws {
        #expect(try CgroupDriver.auto.resolve(on: Self.systemdHost) == .systemd)
        #expect(try CgroupDriver.auto.resolve(on: SystemdHost(isBooted: false, setup: .unified)) == .cgroupfs)
        #expect(try CgroupDriver.auto.resolve(on: SystemdHost(isBooted: true, setup: .hybrid)) == .cgroupfs)
        #expect(try CgroupDriver.auto.resolve(on: SystemdHost(isBooted: true, setup: .legacy)) == .cgroupfs)
        #expect(try CgroupDriver.auto.resolve(on: SystemdHost(isBooted: true, setup: .unified, busError: "no socket")) == .cgroupfs)
    }

    @Test func cgroupfsIsCgroupfsEverywhere() throws {
        #expect(try CgroupDriver.cgroupfs.resolve(on: Self.systemdHost) == .cgroupfs)
        #expect(try CgroupDriver.cgroupfs.resolve(on: SystemdHost(isBooted: false, setup: .legacy)) == .cgroupfs)
    }

    @Test(arguments: [
        (SystemdHost(isBooted: false, setup: .unified), "PID 1 is not systemd"),
        (SystemdHost(isBooted: true, setup: .hybrid), "cgroups are mounted hybrid (cgroup v1); systemd's driver needs cgroup v2 (unified)"),
        (SystemdHost(isBooted: true, setup: .unified, busError: "connect to systemd: No such file or directory"),
         "systemd does not answer on D-Bus (connect to systemd: No such file or directory)"),
    ])
    func systemdOnAHostWithoutItIsAnErrorThatSaysWhyAndWhatToSet(host: SystemdHost, reason: String) {
        #expect {
            _ = try CgroupDriver.systemd.resolve(on: host)
        } throws: { error in
            "\(error)" == "use the systemd cgroup driver: \(reason); choose the cgroupfs driver (or auto) instead"
        }
    }
}
