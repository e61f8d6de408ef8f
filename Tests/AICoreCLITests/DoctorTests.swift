import AICoreTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `aicore-node doctor`, run the way an operator does, but each time in a network namespace of
/// its own (`unshare --net`): its nftables and sysctls are the test's, never the machine's.
@Suite(.enabled(if: getuid() == 0, "needs root: unshare --net and nftables"))
struct DoctorTests {
    /// Runs `doctor` in a fresh network namespace, after `setup` (a shell command) ran there.
    static func doctor(after setup: String = "true", _ arguments: [String] = []) async throws -> CommandRunner.Result {
        let output = try await offload {
            try ChildProcess.run("/usr/bin/unshare", ["--net", "/bin/sh", "-c", "\(setup) && exec \"$0\" doctor \"$@\"", CommandRunner.binary] + arguments,
                                 timeout: .seconds(60))
        }
        return CommandRunner.Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    @Test func aForwardPolicyDropInAnotherTableIsAWarningThatSaysHowToAllowOurBridges() async throws {
        // What `ufw enable` leaves: iptables-nft's table ip filter, chain FORWARD, policy drop.
        // A new namespace starts with the host's forwarding setting: turned off here, in it.
        let result = try await Self.doctor(after: "echo 0 > /proc/sys/net/ipv4/ip_forward && /usr/sbin/iptables-nft -P FORWARD DROP")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains(
            "warn  host firewall: table ip filter chain FORWARD (hook forward) has policy drop, which drops instances' traffic "
                + "to and from outside their bridge; to allow it: `ufw route allow in on aic-+` and `ufw route allow out on aic-+` "
                + "with ufw, or `iptables -I FORWARD -i aic-+ -j ACCEPT` and `iptables -I FORWARD -o aic-+ -j ACCEPT`"), "\(result.stdout)")
        #expect(lines.contains("ok    nftables: libnftables lists the ruleset; table inet aicore is absent (no bridge network yet)"), "\(result.stdout)")
        // It does not forward until the agent says so.
        #expect(lines.contains { $0.hasPrefix("warn  ip forwarding: net.ipv4.ip_forward is 0; the agent sets it to 1") }, "\(result.stdout)")
        #expect(lines.contains("ok    root: running as root, as the agent does"))
        #expect(lines.contains { $0.hasPrefix("ok    cgroups: cgroup v") }, "\(result.stdout)")
        #expect(!lines.contains { $0.hasPrefix("fail") })
        // Nothing but the checks: one line each.
        #expect(lines.allSatisfy { $0.hasPrefix("ok    ") || $0.hasPrefix("warn  ") }, "\(result.stdout)")
    }

    @Test func aCleanHostHasNoFirewallWarningAndJSONSaysTheSame() async throws {
        let result = try await Self.doctor(["--format", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let checks = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
        let firewall = try #require(checks.first { $0["check"] == "host firewall" })
        #expect(firewall == ["status": "ok", "check": "host firewall", "detail": "no other table drops bridge traffic on the forward or input hook"])
        #expect(checks.compactMap { $0["check"] } == ["root", "nftables", "host firewall", "ip forwarding", "bridge support", "veth support", "dns port 53", "cgroups"])
        #expect(checks.first { $0["check"] == "veth support" }?["detail"] == "the kernel makes a veth (tried in a throwaway network namespace)")
        #expect(checks.first { $0["check"] == "dns port 53" }?["detail"]
            == "127.0.0.11:53 is redirected to the agent's resolver (nftables NAT in each instance's namespace); workloads can bind port 53")
    }

    @Test func forwardingOnIsOk() async throws {
        let result = try await Self.doctor(after: "echo 1 > /proc/sys/net/ipv4/ip_forward")
        #expect(result.stdout.contains("ok    ip forwarding: net.ipv4.ip_forward is 1\n"), "\(result.stdout)")
        #expect(result.status == 0)
    }

    @Test func notRootFailsAndExitsOne() async throws {
        let output = try await offload {
            try ChildProcess.run("/usr/bin/unshare", ["--net", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                      CommandRunner.binary, "doctor"], timeout: .seconds(60))
        }
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("fail  root: running as uid 65534; the agent and this check need root"), "\(output.stdout)")
        #expect(lines.contains { $0.hasPrefix("fail  nftables: cannot list the nftables ruleset: ") }, "\(output.stdout)")
    }
}
