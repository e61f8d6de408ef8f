import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node stats`: Compose's `stats`, live resource use per running instance.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show live CPU, memory and pids per running instance (as `docker stats`); --no-stream for one sample.",
        discussion: """
            CPU % is the instance's CPU time over the last second (100% is one CPU). MEM USAGE is its \
            cgroup's memory. Live, the table is drawn again every second until Ctrl-C (on a terminal \
            in place; otherwise one table after the other). --format json prints one line per \
            instance and sample: {"CPUPerc", "MemUsage", "Name", "PIDs"}. Built on \
            `GET /v1/instances?stats=true`.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "Services (default: every service of the stack, or of every stack).")
    var services: [String] = []

    @Flag(name: .customLong("no-stream"), help: "One sample, then exit.")
    var noStream = false

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    /// One instance's line, with Docker's names in JSON.
    struct Row: Encodable, Equatable {
        var name: String
        var cpu: String
        var memory: String
        var pids: String

        enum CodingKeys: String, CodingKey {
            case name = "Name", cpu = "CPUPerc", memory = "MemUsage", pids = "PIDs"
        }
    }

    func run() async throws {
        let client = try agent.client()
        var stack = try selection.stackFiles.stackName()
        var wanted: Set<String>?
        if !services.isEmpty {
            let resolved = try await ServiceListOptions.resolve(services, selection: selection.stackFiles, agent: agent)
            stack = resolved.stack
            wanted = Set(resolved.services)
        }
        let path = "/v1/instances?stats=true" + (stack.map { "&stack=\(urlEncoded($0))" } ?? "")
        var previous = try await client.call("GET", path, as: [InstanceStatus].self)
        var taken = ContinuousClock.now
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            try await Task.sleep(for: .seconds(1))
            let current = try await client.call("GET", path, as: [InstanceStatus].self)
            let now = ContinuousClock.now
            let rows = Self.rows(before: previous, after: current, over: now - taken)
                .filter { row in wanted.map { wanted in current.contains { $0.id == row.name && wanted.contains($0.service) } } ?? true }
            (previous, taken) = (current, now)
            var text = ""
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for row in rows { text += String(decoding: try encoder.encode(row), as: UTF8.self) + "\n" }
            case .table:
                // On a terminal the table is drawn in place, as docker stats does.
                if terminal && !noStream { text += "\u{1B}[H\u{1B}[2J" }
                text += Table.render(header: ["NAME", "CPU %", "MEM USAGE", "PIDS"], rows: rows.map { [$0.name, $0.cpu, $0.memory, $0.pids] }) + "\n"
            }
            // Unbuffered: a pipe sees each sample as it is taken.
            FileHandle.standardOutput.write(Data(text.utf8))
            if noStream { return }
        }
    }

    /// The running instances of `after`, with their CPU use since `before` over `elapsed`.
    static func rows(before: [InstanceStatus], after: [InstanceStatus], over elapsed: Duration) -> [Row] {
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 0.001)
        let earlier = Dictionary(before.map { ($0.id, $0.stats?.cpuSeconds) }, uniquingKeysWith: { first, _ in first })
        return after.compactMap { instance in
            guard let stats = instance.stats else { return nil }
            let start = (earlier[instance.id] ?? nil) ?? stats.cpuSeconds
            let cpu = max(0, stats.cpuSeconds - start) / seconds * 100
            return Row(name: instance.id, cpu: String(format: "%.2f%%", cpu), memory: Top.bytes(stats.memoryBytes), pids: String(stats.pids))
        }
    }
}
