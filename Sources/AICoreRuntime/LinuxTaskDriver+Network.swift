import AICoreErrors
import AICoreNetwork
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

extension LinuxTaskDriver {
    /// Joins the waiting init's fresh network namespace to its bridges: per attachment a veth
    /// pair whose peer is born there under its inside name (it never exists on the bridge's side
    /// under a name another instance could take) and MAC, and the instance's addresses (IPv6
    /// too on an IPv6 network); then the default routes via the attachment that carries them. Runs before the init is released, so the
    /// workload starts with its network up; a failure fails the start.
    func attach(_ pid: pid_t, id: String, to bridges: [TaskSpec.BridgeAttachment]) throws {
        for bridge in bridges {
            for name in [bridge.hostInterface, bridge.interface] {
                guard !name.isEmpty, name.utf8.count <= 15, !name.contains("/"), name != "lo" else {
                    throw AICoreError(.invalidSpec, "invalid interface name \"\(name)\": 1 to 15 bytes, no /, not lo")
                }
            }
        }
        guard Set(bridges.map(\.interface)).count == bridges.count else {
            throw AICoreError(.invalidSpec, "two networks of one instance use the same interface name: \(bridges.map(\.interface))")
        }
        let instance = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard instance >= 0 else {
            throw AICoreError(.systemCall, "cannot open the network namespace of \(pid): \(String(cString: strerror(errno)))")
        }
        defer { close(instance) }
        try onBridgeSide { () throws(AICoreError) in
            for bridge in bridges {
                // One left by an earlier start of this instance, whose namespace the kernel has
                // not torn down yet: the name is this instance's own.
                try Netlink.deleteLink(bridge.hostInterface)
                try Netlink.addVeth(bridge.hostInterface, peer: bridge.interface, peerNamespace: instance, mtu: bridge.mtu, peerMAC: bridge.mac)
                try Netlink.setLink(bridge.hostInterface, up: true, master: bridge.bridge)
            }
        }
        try NetworkNamespace.runBlocking(in: instance) { () throws(AICoreError) in
            // The clone brings lo up too, but concurrently with this: the resolver binds
            // 127.0.0.11 on it below, so it must be up now.
            try Netlink.setLink("lo", up: true)
            for bridge in bridges {
                try Netlink.addAddress(bridge.address, prefix: bridge.prefix, to: bridge.interface)
                try Sysctl.announceAddress(on: bridge.interface)
                if let address6 = bridge.address6 {
                    // Before the address: a link with IPv6 off refuses it. The address skips
                    // duplicate detection, so the workload can bind it as soon as it starts.
                    try Sysctl.enableIPv6(on: bridge.interface)
                    try Netlink.addAddress(address6, prefix: bridge.prefix6, to: bridge.interface)
                }
                try Netlink.setLink(bridge.interface, up: true)
            }
            if let route = bridges.first(where: \.defaultRoute) {
                try Netlink.addDefaultRoute(via: route.gateway, link: route.interface)
                if let gateway6 = route.gateway6 { try Netlink.addDefaultRoute(via: gateway6, link: route.interface) }
            }
            // As Docker: a workload that is not root may still listen on 80 in its own
            // namespace (nginx, a web server's usual port); it reaches no port of the host's.
            try Sysctl.allowUnprivilegedPorts()
        }
        if let ready = configuration.networkReady { try ready(id, instance) }
    }

    /// The network namespace of instance `owner`'s running process, opened: the task it
    /// recorded, whose pid still names a process started at the recorded time both before and
    /// after the open (so the namespace is that process's, not a later one's that took its pid).
    func openNetworkNamespace(ofInstance owner: String) throws -> Int32 {
        let notRunning = "it shares the network of instance \(owner), which is not running"
        guard !owner.isEmpty, !owner.contains("/"), owner != ".", owner != "..",
              let record = try? TaskRecord.read(stateDirectory: configuration.stateRoot + "/" + owner) else {
            throw AICoreError(.unavailable, notRunning)
        }
        guard processStartTime(record.pid) == record.startTime else { throw AICoreError(.unavailable, notRunning) }
        let fd = open("/proc/\(record.pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AICoreError(.unavailable, notRunning + " (\(String(cString: strerror(errno))))") }
        guard processStartTime(record.pid) == record.startTime else {
            close(fd)
            throw AICoreError(.unavailable, notRunning)
        }
        return fd
    }

    /// The inode of the task's network namespace, read while its pid still names the process
    /// it started.
    public func networkNamespace(of handle: TaskHandle) -> UInt64? {
        var info = stat()
        guard processStartTime(handle.pid) == handle.startTime, stat("/proc/\(handle.pid)/ns/net", &info) == 0,
              processStartTime(handle.pid) == handle.startTime else { return nil }
        return UInt64(info.st_ino)
    }

    /// Bridge-side work: in the configured namespace, else here.
    private func onBridgeSide(_ body: @escaping @Sendable () throws(AICoreError) -> Void) throws(AICoreError) {
        if let namespace = configuration.bridgeNamespace {
            try NetworkNamespace.runBlocking(in: namespace, body)
        } else {
            try body()
        }
    }
}
