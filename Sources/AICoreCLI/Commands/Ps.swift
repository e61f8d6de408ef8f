import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node ps`: the instances on the node.
struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List instances: state, health, readiness, restarts, ports and the last exit.",
        discussion: "Without -p, every stack on the node. Exited and stopped instances show with -a."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(name: [.short, .customLong("project-name")], help: "Only this stack.")
    var projectName: String?

    @Flag(name: [.short, .customLong("all")], help: "Also show exited, failed and stopped instances.")
    var all = false

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let query = projectName.map { "?stack=\(urlEncoded($0))" } ?? ""
        var instances = try await client.call("GET", "/v1/instances\(query)", as: [InstanceStatus].self)
        if !all {
            instances = instances.filter { $0.desired == "running" && !["exited", "failed"].contains($0.state) }
        }
        switch format {
        case .json:
            print(try prettyJSON(instances))
        case .table:
            print(Table.render(header: ["NAME", "SERVICE", "STATE", "HEALTH", "READY", "RESTARTS", "PORTS", "PID", "STATUS"],
                               rows: instances.map(Self.row)))
        }
    }

    static func row(_ instance: InstanceStatus) -> [String] {
        var status = instance.reason ?? ""
        if let lastExit = instance.lastExit {
            status = status.isEmpty ? "last: \(lastExit)" : status
        }
        if instance.desired == "stopped" { status = "stopped" + (status.isEmpty ? "" : "; " + status) }
        return [instance.id, instance.service, instance.state, instance.health ?? "-", instance.ready ? "yes" : "no",
                String(instance.restarts), instance.ports.map(String.init).joined(separator: ","),
                instance.pid.map(String.init) ?? "-", status]
    }
}

enum Table {
    /// Left-aligned columns two spaces apart; the last column is not padded.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
