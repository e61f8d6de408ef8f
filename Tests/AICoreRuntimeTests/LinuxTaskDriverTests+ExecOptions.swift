import AICoreErrors
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// `run` with `ExecOptions` (lifecycle hooks, `exec -u/-w/-e`): another working directory and
/// more environment, through the same exec channel, as the workload or as another user.
extension LinuxTaskDriverTests {
    @Test func runWithOptionsSetsTheDirectoryAndEnvironmentAndKeepsTheWorkloadsIdentity() async throws {
        let name = TestEnvironment.uniqueName("runopts")
        var base = spec(name, ["sleep", "30"], user: "1001")
        base.environment = ["MODE=cold", "KEEP=1"]
        let handle = try await driver.startRemovedAfterTest(base)
        let options = ExecOptions(workingDirectory: "/tmp", environment: ["MODE": "warm", "EXTRA": "x y"])
        let outcome = try await driver.run(handle, command: ["sh", "-c", "pwd; echo \"$MODE $KEEP $EXTRA\"; grep -c '^MODE=' /proc/self/environ; grep -E '^Uid' /proc/self/status"],
                                           options: options, timeout: .seconds(10), outputLimit: 1 << 16)
        #expect(outcome.ending == .exited(.exited(0)), "\(outcome.output)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(3)) == ["/tmp", "warm 1 x y", "1"], "\(outcome.output)")
        #expect(lines.contains { $0.hasPrefix("Uid:\t1001") }, "\(outcome.output)")
        // The same command without options is the workload's own process again.
        let plain = try await driver.run(handle, command: ["sh", "-c", "echo \"$MODE\""], options: ExecOptions(),
                                         timeout: .seconds(10), outputLimit: 1 << 16)
        #expect(plain.output == "cold\n")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    /// Another user, as `docker exec -u`: resolved in the instance's /etc/passwd and /etc/group,
    /// with that user's capabilities under the service's rules (root: the default set less
    /// cap_drop; anyone else: only cap_add), and the workload's seccomp filter all the same.
    @Test func runAsAnotherUserTakesThatUsersIdentityAndCapabilities() async throws {
        let name = TestEnvironment.uniqueName("runuser")
        var base = spec(name, ["sleep", "30"], user: "1001")
        base.capDrop = ["NET_RAW"]
        base.capAdd = ["SYS_NICE"]
        let handle = try await driver.startRemovedAfterTest(base)
        let show = ["sh", "-c", "grep -E '^(Uid|Gid|CapEff|CapBnd|Seccomp):' /proc/self/status; echo \"HOME=$HOME\""]
        func status(_ user: String?) async throws -> [String: String] {
            let outcome = try await driver.run(handle, command: show, options: ExecOptions(user: user),
                                               timeout: .seconds(10), outputLimit: 1 << 16)
            #expect(outcome.ending == .exited(.exited(0)), "\(outcome.output)")
            return Dictionary(outcome.output.split(separator: "\n").compactMap { line in
                line.firstIndex(where: { $0 == ":" || $0 == "=" }).map {
                    (String(line[..<$0]), line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces))
                }
            }, uniquingKeysWith: { first, _ in first })
        }
        func hex(_ set: CapabilitySet) -> String { String(format: "%016llx", set.bits) }
        var rootCaps = CapabilitySet.rootDefault
        rootCaps.remove(Capability.number(named: "NET_RAW")!)
        rootCaps.insert(Capability.number(named: "SYS_NICE")!)
        let nice = CapabilitySet([Capability.number(named: "SYS_NICE")!])

        let root = try await status("root")
        #expect(root["Uid"]?.hasPrefix("0\t") == true && root["Gid"]?.hasPrefix("0\t") == true, "\(root)")
        #expect(root["CapEff"] == hex(rootCaps) && root["CapBnd"] == hex(rootCaps), "\(root)")
        #expect(root["HOME"] == "/root")
        #expect(root["Seccomp"] == "2", "the workload's filter: \(root)")
        // A name, from the root's /etc/passwd (the host's here), with its own group.
        let nobody = try await status("nobody")
        #expect(nobody["Uid"]?.hasPrefix("65534\t") == true && nobody["Gid"]?.hasPrefix("65534\t") == true, "\(nobody)")
        #expect(nobody["CapEff"] == hex(nice), "only cap_add for a user who is not root: \(nobody)")
        #expect(nobody["HOME"] == "/nonexistent")
        // uid:gid, and the workload's own user unchanged when none is asked for.
        let numeric = try await status("2000:3000")
        #expect(numeric["Uid"]?.hasPrefix("2000\t") == true && numeric["Gid"]?.hasPrefix("3000\t") == true, "\(numeric)")
        let own = try await status(nil)
        #expect(own["Uid"]?.hasPrefix("1001\t") == true && own["CapEff"] == hex(nice), "\(own)")

        // A user the instance does not know: nothing runs, and the error says why.
        await #expect {
            _ = try await driver.run(handle, command: ["true"], options: ExecOptions(user: "ghost"), timeout: .seconds(10), outputLimit: 1024)
        } throws: { error in
            (error as? AICoreError)?.message.contains("unable to find user ghost") == true
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }
}
