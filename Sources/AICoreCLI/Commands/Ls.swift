import AICoreServer
import AICoreStore
import ArgumentParser
import Foundation

/// `aicore-node ls`: Compose's `ls`, the stacks on the node.
struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the stacks on the node: name, status (as Compose's `running(3)`) and config files.",
        discussion: """
            STATUS counts instances by Compose's states: running (starting, running, healthy, \
            unhealthy, stopping), paused, restarting (waiting out a back-off), exited (exited, \
            failed, stopped) and created. Without -a only stacks with an instance running, \
            paused or restarting are listed. CONFIG FILES are those of the stack's last `up` \
            through this agent (empty for a stack recovered after an agent restart, until its next `up`).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Flag(name: [.short, .customLong("all")], help: "Also show stacks with nothing running.")
    var all = false

    @Flag(name: [.short, .customLong("quiet")], help: "Only the stack names.")
    var quiet = false

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @OptionGroup var agent: AgentOptions

    /// One line of `ls` (its JSON as Compose's: `Name`, `Status`, `ConfigFiles`).
    struct Row: Encodable, Equatable {
        var name: String
        var status: String
        var configFiles: String

        enum CodingKeys: String, CodingKey {
            case name = "Name", status = "Status", configFiles = "ConfigFiles"
        }
    }

    func run() async throws {
        let client = try agent.client()
        let stacks = try await client.call("GET", "/v1/stacks", as: [StackStatus].self)
        let instances = try await client.call("GET", "/v1/instances", as: [InstanceStatus].self)
        let rows = Self.rows(stacks, instances: instances, all: all)
        if quiet {
            for row in rows { print(row.name) }
            return
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .table:
            print(Table.render(header: ["NAME", "STATUS", "CONFIG FILES"], rows: rows.map { [$0.name, $0.status, $0.configFiles] }))
        }
    }

    /// The stacks by name, each with its instances counted by Compose state (`exited(1), running(2)`).
    static func rows(_ stacks: [StackStatus], instances: [InstanceStatus], all: Bool) -> [Row] {
        stacks.sorted { $0.name < $1.name }.compactMap { stack in
            var counts: [String: Int] = [:]
            for instance in instances where instance.stack == stack.name { counts[composeState(instance), default: 0] += 1 }
            let live = ["running", "paused", "restarting"].contains { counts[$0] != nil }
            guard all || live else { return nil }
            let status = counts.keys.sorted().map { "\($0)(\(counts[$0] ?? 0))" }.joined(separator: ", ")
            return Row(name: stack.name, status: status, configFiles: (stack.configFiles ?? []).joined(separator: ","))
        }
    }

    /// The state Docker would give the instance's container.
    static func composeState(_ instance: InstanceStatus) -> String {
        switch instance.state {
        case .starting, .running, .healthy, .unhealthy, .stopping: "running"
        case .paused: "paused"
        case .backoff: instance.desired == .stopped ? "exited" : "restarting"
        case .exited, .failed: "exited"
        case .created, .pending: "created"
        }
    }
}
