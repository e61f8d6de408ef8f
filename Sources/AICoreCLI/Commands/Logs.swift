import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node logs SERVICE[/N]`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an instance's or a service's logs.",
        discussion: "SERVICE shows every replica (each line prefixed with its instance); SERVICE/N one replica; a full instance name works too."
    )

    @Argument(help: "SERVICE, SERVICE/N or an instance name.")
    var target: String

    @Flag(name: [.short, .customLong("follow")], help: "Keep streaming new lines.")
    var follow = false

    @Option(name: .customLong("tail"), help: "Only the last N lines.")
    var tail: Int?

    @Option(name: .customLong("since"), help: "Only lines at or after this RFC 3339 time.")
    var since: String?

    @Flag(name: [.short, .customLong("timestamps")], help: "Show each line's time.")
    var timestamps = false

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
        let ids = try await InstanceTarget.resolve(target, client: client, selection: StackFiles(files: files, envFiles: envFiles, projectName: projectName)).map(\.id)
        var query: [String] = []
        if let tail { query.append("tail=\(tail)") }
        if let since { query.append("since=\(urlEncoded(since))") }
        if follow { query.append("follow=true") }
        let suffix = query.isEmpty ? "" : "?" + query.joined(separator: "&")
        let prefixed = ids.count > 1
        let width = ids.map(\.count).max() ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    let stream: AgentStream
                    do {
                        stream = try await client.stream("GET", "/v1/instances/\(urlEncoded(id))/logs\(suffix)")
                    } catch let error as AgentClientError {
                        throw CLIFailure.from(error)
                    }
                    let prefix = prefixed ? id.padding(toLength: width, withPad: " ", startingAt: 0) + " | " : ""
                    try await LogEntryLines.forEach(in: stream) { entry in
                        let text = timestamps ? "\(entry.time) \(entry.text)" : entry.text
                        Output.line(prefix + text, stderr: entry.stream == "stderr")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

enum Output {
    private static let lock = NSLock()

    /// One whole line at a time, so concurrent streams never interleave mid-line.
    static func line(_ text: String, stderr: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        (stderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data((text + "\n").utf8))
    }
}
