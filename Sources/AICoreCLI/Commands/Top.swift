import AICoreServer
import ArgumentParser

/// `aicore-node top`: resource use per instance.
struct Top: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show CPU, memory and pids per running instance (CPU over one second).")

    /// `-p`, `-f` or a Compose file here: only that stack; none: every stack on the node.
    @OptionGroup var selection: StackSelection

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let path = "/v1/instances?stats=true" + (try selection.stackFiles.stackName().map { "&stack=\(urlEncoded($0))" } ?? "")
        let first = try await client.call("GET", path, as: [InstanceStatus].self)
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(1))
        let second = try await client.call("GET", path, as: [InstanceStatus].self)
        let elapsed = Double((ContinuousClock.now - started).components.seconds) + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        let before = Dictionary(first.map { ($0.id, $0.stats?.cpuSeconds ?? 0) }, uniquingKeysWith: { a, _ in a })
        let rows = second.compactMap { instance -> [String]? in
            guard let stats = instance.stats else { return nil }
            let cpu = max(0, stats.cpuSeconds - (before[instance.id] ?? stats.cpuSeconds)) / max(elapsed, 0.001) * 100
            return [instance.id, instance.state.rawValue, String(format: "%.1f%%", cpu), Self.bytes(stats.memoryBytes), String(stats.pids),
                    String(instance.restarts)]
        }
        print(Table.render(header: ["NAME", "STATE", "CPU", "MEMORY", "PIDS", "RESTARTS"], rows: rows))
    }

    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value)B" : String(format: "%.1f", amount) + units[unit]
    }
}
