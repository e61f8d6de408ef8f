import AICoreErrors
import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node logs [SERVICE[/N]…]`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an instance's or a service's logs.",
        discussion: """
            SERVICE shows every replica (each line prefixed with its instance); SERVICE/N one \
            replica; a full instance name works too; several may be named, and none means every \
            instance of the stack, as `docker compose logs`. With --previous, the logs of removed \
            instances of that name: replaced by a rollout, removed by a rollback or scale-down, \
            kept (the newest of each name) until the stack goes down. Every `logging` driver \
            but `none` keeps a file these are read from (json-file's JSON lines too, and \
            journald's local copy); a service with `driver: none` keeps nothing, and logs \
            says so and exits 1.
            """
    )

    @Argument(help: "SERVICE, SERVICE/N or an instance name; none: every instance of the stack.")
    var targets: [String] = []

    @Flag(name: [.short, .customLong("follow")], help: "Keep streaming new lines.")
    var follow = false

    @Option(name: .customLong("tail"), help: "Only the last N lines.")
    var tail: Int?

    @Option(name: .customLong("since"), help: "Only lines at or after this RFC 3339 time.")
    var since: String?

    @Flag(name: [.short, .customLong("timestamps")], help: "Show each line's time.")
    var timestamps = false

    @Flag(name: .customLong("previous"), help: "The logs of removed instances (replaced, rolled back, scaled down), as kubectl logs --previous.")
    var previous = false

    @Flag(name: .customLong("no-log-prefix"), help: "Leave the instance name out of each line.")
    var noLogPrefix = false

    // Not StackFileOptions: `-f` is follow here, as in `docker compose logs -f`.
    @Option(name: .customLong("file"), help: "A stack file whose stack is meant; repeat to merge several.")
    var files: [String] = []

    @Option(name: .customLong("env-file"), help: "A file of KEY=VALUE lines for interpolation.")
    var envFiles: [String] = []

    @Option(name: [.short, .customLong("project-name")], help: "The stack name (overrides `name:` in the file).")
    var projectName: String?

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let selection = StackFiles(files: files, envFiles: envFiles, projectName: projectName)
        // Each log to show, as the path of its answer (before the query).
        var sources: [(id: String, path: String)] = []
        func add(_ id: String, _ path: String) {
            if !sources.contains(where: { $0.id == id }) { sources.append((id, path)) }
        }
        if previous {
            let stack = try await selection.resolve(client)
            var ids: [String] = []
            if targets.isEmpty {
                ids = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))/previous", as: [String].self)
            }
            for target in targets { ids += try await Self.previousInstances(target, stack: stack, client: client) }
            for id in ids { add(id, "/v1/stacks/\(urlEncoded(stack))/previous/\(urlEncoded(id))/logs") }
        } else if targets.isEmpty {
            let stack = try await selection.resolve(client)
            for instance in try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self) {
                add(instance.id, "/v1/instances/\(urlEncoded(instance.id))/logs")
            }
        } else {
            for target in targets {
                for instance in try await InstanceTarget.resolve(target, client: client, selection: selection) {
                    add(instance.id, "/v1/instances/\(urlEncoded(instance.id))/logs")
                }
            }
        }
        var query: [String] = []
        if let tail { query.append("tail=\(tail)") }
        if let since { query.append("since=\(urlEncoded(since))") }
        if follow { query.append("follow=true") }
        let suffix = query.isEmpty ? "" : "?" + query.joined(separator: "&")
        let prefixed = sources.count > 1 && !noLogPrefix
        let width = sources.map(\.id.count).max() ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (id, path) in sources {
                group.addTask {
                    let stream: AgentStream
                    do {
                        stream = try await client.stream("GET", path + suffix)
                    } catch let error as AICoreError {
                        throw CLIFailure.from(error)
                    }
                    let prefix = prefixed ? id.padding(toLength: width, withPad: " ", startingAt: 0) + " | " : ""
                    try await LogEntryLines.forEach(in: stream) { entry in
                        let text = timestamps ? "\(entry.time) \(entry.text)" : entry.text
                        Output.workloadLine(prefix + text, stderr: entry.stream == "stderr")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// The removed instances `target` names whose logs the stack kept: the instance itself,
    /// `SERVICE/N`, or every one of `SERVICE`.
    static func previousInstances(_ target: String, stack: String, client: AgentClient) async throws -> [String] {
        let kept = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))/previous", as: [String].self)
        if kept.contains(target) { return [target] }
        let parts = target.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let prefix = "\(stack)-\(parts[0])-"
        let chosen = kept.filter { id in
            guard id.hasPrefix(prefix), let replica = Int(id.dropFirst(prefix.count)) else { return false }
            return parts.count == 1 || parts[1] == String(replica)
        }
        guard chosen.isEmpty else { return chosen.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 } }
        throw CLIFailure.invalid("stack \(stack) kept no logs of a removed instance \(target)"
            + (kept.isEmpty ? "; a rollout, rollback or scale-down keeps them until `down`" : "; it kept \(kept.joined(separator: ", "))"))
    }
}

enum Output {
    private static let lock = NSLock()

    private static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    private static let stderrIsTerminal = isatty(STDERR_FILENO) == 1

    /// A line holding text a workload wrote (a log line, an event's reason): on a terminal its
    /// control characters are escaped (`TerminalText`), so it cannot drive the terminal.
    static func workloadLine(_ text: String, stderr: Bool = false) {
        let terminal = stderr ? stderrIsTerminal : stdoutIsTerminal
        line(terminal ? TerminalText.escaped(text) : text, stderr: stderr)
    }

    /// One whole line at a time, so concurrent streams never interleave mid-line.
    static func line(_ text: String, stderr: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        (stderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data((text + "\n").utf8))
    }
}
