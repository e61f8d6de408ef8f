import AICoreErrors
import AICoreNetwork
import AICoreOS
import AICoreSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One line of `aicore-node doctor`: what was checked on this host, and what was found.
struct DoctorCheck: Encodable, Equatable {
    enum Status: String, Encodable {
        case ok, warn, fail
    }

    var status: Status
    var check: String
    var detail: String

    var line: String { "\(status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(check): \(detail)" }
}

extension DoctorCheck {
    /// Every check, in the order printed. The blocking ones (files, netlink) run off the
    /// cooperative pool.
    static func all() async throws -> [DoctorCheck] {
        let host = try await BlockingWork.run { [privileges()] + nftables() + [forwarding()] }
        let bridge = await kernelSupport("bridge") { () throws(AICoreError) in
            try Netlink.addBridge("aic-doctor0", mac: [0x02, 0, 0, 0, 0, 1], mtu: nil)
        }
        let veth = await kernelSupport("veth") { () throws(AICoreError) in
            try Netlink.addVeth("aic-doctor0", peer: "aic-doctor1", peerNamespace: nil, mtu: nil)
        }
        return host + [bridge, veth, await resolverRedirect(), try await BlockingWork.run { cgroups() }]
    }

    /// Which way instances reach the resolver: through a DNAT in their namespace (port 53 free
    /// for workloads), or, on a kernel without nftables' NAT, by the resolver binding
    /// 127.0.0.11:53 itself. Tried in a throwaway network namespace, as the agent does it.
    static func resolverRedirect() async -> DoctorCheck {
        do throws(AICoreError) {
            try await NetworkNamespace.runInNew { () throws(AICoreError) in try ResolverRedirect.probe() }
            return DoctorCheck(status: .ok, check: "dns port 53",
                               detail: "127.0.0.11:53 is redirected to the agent's resolver (nftables NAT in each instance's namespace); workloads can bind port 53")
        } catch {
            return DoctorCheck(status: .warn, check: "dns port 53",
                               detail: "the kernel cannot redirect 127.0.0.11:53 (\(error.message)); the resolver binds it itself, so a workload on a bridge network cannot bind port 53 (`modprobe nft_chain_nat nft_nat`)")
        }
    }

    static func privileges() -> DoctorCheck {
        geteuid() == 0
            ? DoctorCheck(status: .ok, check: "root", detail: "running as root, as the agent does")
            : DoctorCheck(status: .fail, check: "root", detail: "running as uid \(geteuid()); the agent and this check need root")
    }

    /// libnftables can read the ruleset, and no other table's forward or input chain drops what
    /// our table lets through.
    static func nftables() -> [DoctorCheck] {
        let conflicts: [FirewallConflict]
        let ours: String?
        do throws(AICoreError) {
            conflicts = try Firewall.conflicts()
            ours = try Firewall.rules()
        } catch {
            return [DoctorCheck(status: .fail, check: "nftables",
                                detail: "\(error.message); bridge networks need nftables (kernel nf_tables, libnftables) for egress and isolation")]
        }
        var checks = [DoctorCheck(status: .ok, check: "nftables",
                                  detail: "libnftables lists the ruleset; table inet aicore is " + (ours == nil ? "absent (no bridge network yet)" : "present"))]
        if conflicts.isEmpty {
            checks.append(DoctorCheck(status: .ok, check: "host firewall", detail: "no other table drops bridge traffic on the forward or input hook"))
        }
        for conflict in conflicts {
            checks.append(DoctorCheck(status: .warn, check: "host firewall", detail: conflict.description))
        }
        return checks
    }

    /// Read in this process's network namespace (`/proc/sys/net` is per namespace).
    static func forwarding(path: String = "/proc/sys/net/ipv4/ip_forward") -> DoctorCheck {
        let check = "ip forwarding"
        let value: String
        do {
            value = try FileIO.readString(path).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return DoctorCheck(status: .warn, check: check, detail: "cannot read \(path): \(error)")
        }
        return value == "1"
            ? DoctorCheck(status: .ok, check: check, detail: "net.ipv4.ip_forward is 1")
            : DoctorCheck(status: .warn, check: check,
                          detail: "net.ipv4.ip_forward is \(value); the agent sets it to 1 when it sets up bridge networks (bridge networks have no egress until then)")
    }

    /// Asks the kernel itself, in a network namespace made for it that ends with the probe: a
    /// module that is not loaded yet is loaded on first use, and one built in has no
    /// /sys/module entry, so neither a file nor the module list would say for sure.
    static func kernelSupport(_ name: String, probe: @escaping @Sendable () throws(AICoreError) -> Void) async -> DoctorCheck {
        do throws(AICoreError) {
            try await NetworkNamespace.runInNew(probe)
            return DoctorCheck(status: .ok, check: "\(name) support", detail: "the kernel makes a \(name) (tried in a throwaway network namespace)")
        } catch {
            return DoctorCheck(status: .warn, check: "\(name) support",
                               detail: "the kernel cannot make a \(name): \(error.message); bridge networks need it (`modprobe \(name)`)")
        }
    }

    static func cgroups() -> DoctorCheck {
        do {
            let layout = try CgroupDetection.layout()
            return DoctorCheck(status: .ok, check: "cgroups", detail: "cgroup \(layout.setup.version) (\(layout.setup)) at \(layout.root)")
        } catch {
            return DoctorCheck(status: .fail, check: "cgroups", detail: "cannot read the cgroup layout: \(error)")
        }
    }
}
