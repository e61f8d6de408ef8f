import AICoreErrors
import AICoreNetwork
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

extension LinuxTaskDriver {
    /// Joins the waiting init's fresh network namespace to its bridge: a veth pair whose peer is
    /// born there as `eth0` (it never exists on the bridge's side under a name another instance
    /// could take), the instance's address, and a default route via the bridge. Runs before the
    /// init is released, so the workload starts with its network up; a failure fails the start.
    func attach(_ pid: pid_t, to bridge: TaskSpec.BridgeAttachment) throws {
        guard !bridge.hostInterface.isEmpty, bridge.hostInterface.utf8.count <= 15, !bridge.hostInterface.contains("/") else {
            throw AICoreError(.invalidSpec, "invalid veth name \"\(bridge.hostInterface)\": at most 15 bytes, no /")
        }
        let instance = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard instance >= 0 else {
            throw AICoreError(.systemCall, "cannot open the network namespace of \(pid): \(String(cString: strerror(errno)))")
        }
        defer { close(instance) }
        try onBridgeSide { () throws(AICoreError) in
            // One left by an earlier start of this instance, whose namespace the kernel has not
            // torn down yet: the name is this instance's own.
            try Netlink.deleteLink(bridge.hostInterface)
            try Netlink.addVeth(bridge.hostInterface, peer: "eth0", peerNamespace: instance, mtu: bridge.mtu)
            try Netlink.setLink(bridge.hostInterface, up: true, master: bridge.bridge)
        }
        try NetworkNamespace.runBlocking(in: instance) { () throws(AICoreError) in
            try Netlink.addAddress(bridge.address, prefix: bridge.prefix, to: "eth0")
            try Netlink.setLink("eth0", up: true)
            try Netlink.addDefaultRoute(via: bridge.gateway, link: "eth0")
        }
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
