/// What a host offers the systemd cgroup driver.
public struct SystemdHost: Sendable, Equatable {
    /// PID 1 is systemd.
    public var isBooted: Bool
    /// How cgroups are mounted; the driver needs `.unified` (cgroup v2).
    public var setup: CgroupSetup
    /// Why the manager did not answer on the bus; nil when it did (or was not asked).
    public var busError: String?

    public init(isBooted: Bool, setup: CgroupSetup, busError: String? = nil) {
        self.isBooted = isBooted
        self.setup = setup
        self.busError = busError
    }

    /// Looks at this host: sd_booted, the cgroup layout, and (only when both fit) whether the
    /// manager answers on D-Bus. Blocks for the bus round trip: call it off actors and loops.
    public static func probe(layout: CgroupLayout) -> SystemdHost {
        var host = SystemdHost(isBooted: SystemdBus.isBooted, setup: layout.setup)
        guard host.isBooted, host.setup == .unified else { return host }
        do {
            _ = try SystemdBus.managerVersion()
        } catch {
            host.busError = error.description
        }
        return host
    }

    /// Why the systemd driver cannot be used here, or nil when it can.
    public var unavailableReason: String? {
        if !isBooted { return "PID 1 is not systemd" }
        if setup != .unified { return "cgroups are mounted \(setup) (cgroup v1); systemd's driver needs cgroup v2 (unified)" }
        if let busError { return "systemd does not answer on D-Bus (\(busError))" }
        return nil
    }
}
