import AICoreOS
import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// A real `aicore-node agent` in a fresh directory, driven through the real CLI over its
/// socket. Everything it starts is taken down by `stop()`.
final class AgentHarness: @unchecked Sendable {
    // Mutated only by the test that owns the harness, one step at a time.
    let directory: String
    let socket: String
    private(set) var agent: ChildProcess?

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = directory + "/aicore.sock"
    }

    /// Starts the agent and waits until it answers (bounded).
    func start(_ extra: [String] = []) throws {
        let arguments = ["agent", "--state-dir", directory + "/state", "--run-dir", directory + "/run", "--log-dir", directory + "/logs",
                         "--socket", socket] + extra
        // Its log goes to a file: a pipe nobody reads would block it.
        agent = try ChildProcess.spawn("/bin/sh", ["-c", "exec \"$0\" \"$@\" >>\"\(directory)/agent.log\" 2>&1", CommandRunner.binary] + arguments,
                                       discardOutput: true)
        try waitUntil("the agent answers on \(socket)", timeout: .seconds(120)) { (try? self.cli(["ps"]).status) == 0 }
    }

    /// SIGKILL: the hardest way an agent can go. Workloads must not notice.
    func kill() {
        agent?.signal(SIGKILL)
        _ = agent?.waitForExit()
        agent = nil
    }

    /// SIGTERM: a graceful shutdown that leaves workloads running.
    func terminate() {
        agent?.signal(SIGTERM)
        _ = agent?.waitForExit()
        agent = nil
    }

    func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRunner.Result {
        var env = ProcessInfo.processInfo.environment
        env["AICORE_HOST"] = socket
        for (key, value) in environment { env[key] = value }
        return try CommandRunner.run(arguments, environment: env, directory: CommandRunner.packageRoot)
    }

    func instances(_ stack: String) throws -> [InstanceStatus] {
        let result = try cli(["ps", "-a", "-p", stack, "--format", "json"])
        guard result.status == 0 else { throw HarnessFailure("ps failed: \(result.stderr)") }
        return try ControlAPI.decoder.decode([InstanceStatus].self, from: Data(result.stdout.utf8))
    }

    var agentLog: String { (try? String(contentsOfFile: directory + "/agent.log", encoding: .utf8)) ?? "" }

    /// Takes every stack down, stops the agent and removes the directory.
    func stop() {
        if agent == nil { try? start() }
        if let stacks = try? cli(["ps", "-a", "--format", "json"]),
           let list = try? ControlAPI.decoder.decode([InstanceStatus].self, from: Data(stacks.stdout.utf8)) {
            for stack in Set(list.map(\.stack)) { _ = try? cli(["down", "-v", "-p", stack]) }
        }
        terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes (then throws naming `what`).
func waitUntil(_ what: String, timeout: Duration, every interval: Duration = .milliseconds(250),
               _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
    }
    throw HarnessFailure("timed out waiting until \(what)")
}

/// curl from Debian: a real HTTP client, loopback only.
func httpGet(_ url: String) throws -> (status: Int32, body: String) {
    let output = try ChildProcess.run("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", url])
    let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let code = Int32(lines.last.map(String.init) ?? "") ?? 0
    return (code, lines.dropLast().joined(separator: "\n"))
}
