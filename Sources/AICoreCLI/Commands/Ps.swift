import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node ps`: the instances on the node.
struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List instances: state, health, readiness, restarts, published ports and the last exit.",
        discussion: """
            The stack of -p, -f or the Compose file here (as `docker compose ps`); with none of \
            them, every stack on the node. Exited and stopped instances show with -a. PORTS is \
            Compose's form, HOST_IP:PUBLISHED->TARGET/PROTOCOL: the proxy takes the published port \
            to the ready replicas (`aicore-node routes` shows where each replica listens).             As Compose's: SERVICE… lists only those services, -q only the instance names,             --services only the service names, and --status (or --filter status=…) only             instances in that state: running, paused, restarting, exited or created (as `ls`             counts them), stopped ones included.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var selection: StackSelection

    @Flag(name: [.short, .customLong("all")], help: "Also show exited, failed and stopped instances.")
    var all = false

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @Flag(name: [.short, .customLong("quiet")], help: "Print the instance names only.")
    var quiet = false

    @Flag(name: .customLong("services"), help: "Print the service names only.")
    var servicesOnly = false

    @Option(name: .long, help: "Only instances in this state (running, paused, restarting, exited, created); repeat for several.")
    var status: [String] = []

    @Option(name: .long, help: "Compose's filter; `status=STATE` is the one there is.")
    var filter: [String] = []

    @OptionGroup var agent: AgentOptions

    @Argument(help: "Only these services.")
    var services: [String] = []

    static let composeStates = ["running", "paused", "restarting", "exited", "created"]

    func run() async throws {
        var states = status
        for item in filter {
            guard item.hasPrefix("status=") else { throw CLIFailure.invalid("--filter \(item): only status=STATE filters here") }
            states.append(String(item.dropFirst("status=".count)))
        }
        if let unknown = states.first(where: { !Self.composeStates.contains($0) }) {
            throw CLIFailure.invalid("--status \(unknown): expected one of \(Self.composeStates.joined(separator: ", "))")
        }
        let client = try agent.client()
        let stack = try selection.stackFiles.stackName()
        let query = stack.map { "?stack=\(urlEncoded($0))" } ?? ""
        var instances = try await client.call("GET", "/v1/instances\(query)", as: [InstanceStatus].self)
        if !services.isEmpty {
            let known = Set(instances.map(\.service))
            if let unknown = services.first(where: { !known.contains($0) }) {
                throw CLIFailure.invalid("no instance of a service \(unknown)\(stack.map { " in stack \($0)" } ?? ""); it has \(known.sorted().joined(separator: ", "))")
            }
            instances = instances.filter { services.contains($0.service) }
        }
        if !states.isEmpty {
            instances = instances.filter { states.contains(Ls.composeState($0)) }
        } else if !all {
            instances = instances.filter { $0.desired == .running && ![.exited, .failed].contains($0.state) }
        }
        if quiet {
            for instance in instances { print(instance.id) }
            return
        }
        if servicesOnly {
            var seen = Set<String>()
            for instance in instances where seen.insert(instance.service).inserted { print(instance.service) }
            return
        }
        switch format {
        case .json:
            print(try prettyJSON(instances))
        case .table:
            let stacks = try await client.call("GET", "/v1/stacks", as: [StackStatus].self)
            var published: [String: [String]] = [:]
            for status in stacks where stack == nil || status.name == stack {
                for service in status.services { published[status.name + "/" + service.name] = service.ports }
            }
            print(Table.render(header: ["NAME", "SERVICE", "STATE", "HEALTH", "READY", "RESTARTS", "PORTS", "PID", "STATUS"],
                               rows: instances.map { Self.row($0, ports: published[$0.stack + "/" + $0.service] ?? []) }))
        }
    }

    /// One instance's line; `ports` are its service's published ports in Compose's form.
    static func row(_ instance: InstanceStatus, ports: [String]) -> [String] {
        var status = instance.reason ?? ""
        if let lastExit = instance.lastExit {
            status = status.isEmpty ? "last: \(lastExit)" : status
        }
        var state = instance.state.rawValue
        if instance.desired == .stopped {
            // `stop` keeps the instance: it reads as stopped (as docs/cli.md says), not exited.
            if instance.state == .exited { state = "stopped" } else { status = "stopping" + (status.isEmpty ? "" : "; " + status) }
        }
        return [instance.id, instance.service, state, instance.health ?? "-", instance.ready ? "yes" : "no",
                String(instance.restarts), ports.joined(separator: ", "),
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
