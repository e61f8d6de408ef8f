import AICoreSystem
import Foundation
import AICoreOS
import AICoreTestSupport
@testable import AICoreRuntime

enum TestEnvironment {
    static var isRoot: Bool { getuid() == 0 }

    /// The aicore-node binary built next to the test bundle (.build/<triple>/debug).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["AICORE_NODE_BIN"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // swift-testing may run from inside the .xctest bundle directory.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("aicore-node").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("aicore-node").path
    }

    static func uniqueName(_ prefix: String) -> String {
        "t-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A fresh temporary directory, removed by the caller's defer.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "/tmp/aicore-test-\(uniqueName(prefix))"
        try FileIO.makeDirectories(path)
        return path
    }
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real `aicore-node run` with a private state dir and returns what a user sees. The
/// whole run waits on a Dispatch thread, never on the tests' cooperative threads.
func runNode(_ args: [String], stateDir: String, timeout: Duration = .seconds(60)) async throws -> RunResult {
    // The init holds the output pipes until the workload ended; collect() reads both to the end,
    // or kills the launcher at the deadline (the test then fails on what it finds left over).
    let output = try await childRun(TestEnvironment.binary, ["run", "--state-dir", stateDir] + args, timeout: timeout)
    let stderr = output.timedOut ? output.stderr + "\n[runNode: killed after \(timeout)]" : output.stderr
    return RunResult(status: output.status, stdout: output.stdout, stderr: stderr)
}

/// `ChildProcess.run` on a Dispatch thread: a child's whole run never holds a cooperative thread.
func childRun(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
              timeout: Duration? = nil) async throws -> ChildProcess.Output {
    try await offload { try ChildProcess.run(executable, arguments, environment: environment, timeout: timeout) }
}

/// No cgroup directory of this instance left in any hierarchy.
func cgroupLeftovers(_ relativePath: String) -> [String] {
    let roots = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
    var found: [String] = []
    for r in roots + [""] {
        let dir = "/sys/fs/cgroup/\(r)/\(relativePath)".replacingOccurrences(of: "//", with: "/")
        if FileManager.default.fileExists(atPath: dir) { found.append(dir) }
    }
    return found
}

/// Processes on the host whose command line mentions `marker`.
func processesMentioning(_ marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }
}
