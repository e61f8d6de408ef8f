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

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let ids = try await InstanceTarget.resolve(target, client: client, selection: selection)
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

/// Instance names from `SERVICE`, `SERVICE/N` or a full instance name.
enum InstanceTarget {
    static func resolve(_ target: String, client: AgentClient, selection: StackSelection) async throws -> [String] {
        let stack = try await selection.resolve(client)
        let instances = try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self)
        if let exact = instances.first(where: { $0.id == target }) { return [exact.id] }
        let parts = target.split(separator: "/", maxSplits: 1).map(String.init)
        let service = parts.first ?? target
        var chosen = instances.filter { $0.service == service }
        if parts.count == 2 {
            guard let replica = Int(parts[1]) else { throw CLIFailure.invalid("\(target): expected SERVICE/N with N a replica number") }
            chosen = chosen.filter { $0.replica == replica }
        }
        guard !chosen.isEmpty else {
            let services = Set(instances.map(\.service)).sorted().joined(separator: ", ")
            throw CLIFailure.invalid("stack \(stack) has no instance \(target) (services: \(services))")
        }
        return chosen.map(\.id)
    }
}
