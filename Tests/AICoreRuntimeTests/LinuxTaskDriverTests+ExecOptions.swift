import AICoreErrors
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// `run` with `ExecOptions` (lifecycle hooks): another working directory and more environment,
/// through the same exec channel, still as the workload.
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
}
