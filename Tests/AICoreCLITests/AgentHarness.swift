import AICoreOS
import AICoreServer
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real `aicore-node agent` in a fresh directory, driven through the real CLI over its
/// socket. Everything it starts is taken down by `stop()`. Every wait for a child process runs
/// on a Dispatch thread (`offload`): Swift Testing's cooperative threads (two, on two cores) must
/// stay free for the async tests running beside these.
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
    /// Runs `body` with a started harness and always stops it (every stack down, the agent
    /// terminated, the directory removed), whether `body` throws or not.
    static func with(startImmediately: Bool = true, _ body: (AgentHarness) async throws -> Void) async throws {
        let harness = try AgentHarness()
        do {
            if startImmediately { try await harness.start() }
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    /// Whether the agent runs in a network namespace of its own (`ownNetwork`): its bridges,
    /// VIPs and published ports are there, never on the host's network. It is made once, and
    /// kept (by a sleeping holder process) across the agent's restarts, as a host's is.
    private(set) var networkHolder: ChildProcess?

    /// `ownNetwork`: the agent's services go on bridge networks by default, in a network
    /// namespace of the test's (with `lo` up); otherwise on the host's network, as the tests
    /// that are not about networking want. `configuration`: more of aicore.yml (`registries:`).
    func start(_ extra: [String] = [], ownNetwork: Bool = false, configuration: String = "") async throws {
        if ownNetwork, networkHolder == nil {
            networkHolder = try ChildProcess.spawn("/usr/bin/unshare", ["--net", "/bin/sh", "-c", "ip link set lo up && exec sleep infinity"],
                                                   discardOutput: true)
            try await waitUntil("the test's network namespace has lo up") {
                (try? await self.inAgentNetwork("/usr/sbin/ip", ["-o", "link", "show", "lo", "up"]).stdout.contains("lo")) == true
            }
        }
        let config = directory + "/aicore.yml"
        try FileIO.write(config, "networks:\n  default_mode: \(networkHolder == nil ? "host" : "bridge")\n" + configuration)
        let arguments = ["agent", "--config", config, "--state-dir", directory + "/state", "--run-dir", directory + "/run",
                         "--log-dir", directory + "/logs", "--socket", socket] + extra
        let enter = networkHolder.map { ["/usr/bin/nsenter", "--net=/proc/\($0.pid)/ns/net", "--"] } ?? []
        // Its log goes to a file: a pipe nobody reads would block it.
        agent = try ChildProcess.spawn("/bin/sh", ["-c", "exec \"$0\" \"$@\" >>\"\(directory)/agent.log\" 2>&1"]
                                           + enter + [CommandRunner.binary] + arguments,
                                       discardOutput: true)
        try await waitUntil("the agent answers on \(socket)") { (try? await self.cli(["ps"]).status) == 0 }
    }

    /// The agent's network namespace (`/proc/PID/ns/net`), when it has one of its own.
    var networkNamespace: String? { networkHolder.map { "/proc/\($0.pid)/ns/net" } }

    /// `httpGet` from where the agent's published ports are: its namespace, or the host's.
    func httpGet(_ url: String) async throws -> (status: Int32, body: String) {
        guard networkHolder != nil else { return try await AICoreCLITests.httpGet(url) }
        let output = try await inAgentNetwork("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", url])
        return HTTPAnswer.parse(output.stdout)
    }

    /// Runs a program in the agent's network namespace (needs `start(ownNetwork: true)`).
    func inAgentNetwork(_ executable: String, _ arguments: [String]) async throws -> ChildProcess.Output {
        guard let networkHolder else { throw HarnessFailure("the agent has no network namespace of its own") }
        return try await run("/usr/bin/nsenter", ["--net=/proc/\(networkHolder.pid)/ns/net", "--", executable] + arguments)
    }

    /// SIGKILL: the hardest way an agent can go. Workloads must not notice.
    func kill() async {
        guard let agent else { return }
        agent.signal(SIGKILL)
        _ = try? await offload { agent.waitForExit() }
        self.agent = nil
    }

    /// The pid of the agent's proxy process, while it runs.
    var proxyPID: pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/run/proxy.pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              Self.isAlive(pid) else { return nil }
        return pid
    }

    /// SIGKILL to the proxy process (the pid file's, and any other serving this harness's
    /// control socket); returns once they are gone (bounded).
    func killProxy() async {
        let pids = Set(DetachedProcess.find(["--control", directory + "/run/proxy.sock"]) + (proxyPID.map { [$0] } ?? []))
        for pid in pids { Glibc.kill(pid, SIGKILL) }
        try? await waitUntil("the proxy processes \(pids) are gone") { !pids.contains { Self.isAlive($0) } }
    }

    /// Exists and is not a zombie (the proxy's parent, the agent, may be gone; init reaps it).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    /// SIGTERM: a graceful shutdown that leaves workloads running.
    func terminate() async {
        guard let agent else { return }
        agent.signal(SIGTERM)
        _ = try? await offload { agent.waitForExit() }
        self.agent = nil
    }

    /// Runs the CLI against this agent, from `directory` (default the package root, which holds
    /// no Compose file) as a user in a project directory would.
    func cli(_ arguments: [String], in directory: String = CommandRunner.packageRoot,
             environment: [String: String] = [:]) async throws -> CommandRunner.Result {
        var env = ProcessInfo.processInfo.environment
        env["AICORE_HOST"] = socket
        for (key, value) in environment { env[key] = value }
        let final = env
        return try await offload { try CommandRunner.run(arguments, environment: final, directory: directory) }
    }

    /// The CLI with `input` on its stdin (which is otherwise /dev/null): a shell redirects a
    /// file, as `echo "$TOKEN" | aicore-node login … --password-stdin` would pipe it.
    func cli(_ arguments: [String], input: String) async throws -> CommandRunner.Result {
        let file = directory + "/stdin-\(UUID().uuidString.prefix(8))"
        try FileIO.write(file, input)
        defer { try? FileIO.removeFile(file) }
        var env = ProcessInfo.processInfo.environment
        env["AICORE_HOST"] = socket
        env["AICORE_TEST_STDIN"] = file
        let final = env
        let output = try await offload {
            try ChildProcess.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" <\"$AICORE_TEST_STDIN\"", CommandRunner.binary] + arguments,
                                 environment: final, directory: CommandRunner.packageRoot)
        }
        return CommandRunner.Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    func instances(_ stack: String) async throws -> [InstanceStatus] {
        let result = try await cli(["ps", "-a", "-p", stack, "--format", "json"])
        guard result.status == 0 else { throw HarnessFailure("ps failed: \(result.stderr)") }
        return try ControlAPI.decoder.decode([InstanceStatus].self, from: Data(result.stdout.utf8))
    }

    var agentLog: String { (try? String(contentsOfFile: directory + "/agent.log", encoding: .utf8)) ?? "" }

    /// Takes every stack down, stops the agent and removes the directory.
    func stop() async {
        if agent == nil { try? await start() }
        if let stacks = try? await cli(["ps", "-a", "--format", "json"]),
           let list = try? ControlAPI.decoder.decode([InstanceStatus].self, from: Data(stacks.stdout.utf8)) {
            for stack in Set(list.map(\.stack)) { _ = try? await cli(["down", "-v", "-p", stack]) }
        }
        await terminate()
        // The proxy process outlives the agent (that is its point): it goes here, or it would
        // keep the test's ports and the network namespace.
        await killProxy()
        if let networkHolder {
            networkHolder.signal(SIGKILL)
            _ = try? await offload { networkHolder.waitForExit() }
            self.networkHolder = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A child process run to its end on a Dispatch thread.
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> ChildProcess.Output {
    try await offload { try ChildProcess.run(executable, arguments, environment: environment) }
}

/// curl from Debian: a real HTTP client, loopback only.
func httpGet(_ url: String) async throws -> (status: Int32, body: String) {
    let output = try await run("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", url])
    return HTTPAnswer.parse(output.stdout)
}

/// curl's output with `-w "\n%{http_code}"`: the body, then the status on a line of its own.
enum HTTPAnswer {
    static func parse(_ stdout: String) -> (status: Int32, body: String) {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int32(lines.last.map(String.init) ?? "") ?? 0
        return (code, lines.dropLast().joined(separator: "\n"))
    }
}
