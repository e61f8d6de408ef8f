import AICoreServer
import ArgumentParser

extension VolumeCommand {
    /// `aicore-node volume ls`: the named volumes on the node.
    struct Ls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the named volumes on the node, with their stack and the stack that uses them.",
            discussion: """
                STACK is `-` for a directory under the agent's volumes with no record (an \
                anonymous volume, or one an older agent made for a stack that went down before). \
                USED BY is the stack still on the node that mounts the volume: `volume rm` \
                refuses it until that stack is down.

                  $ aicore-node volume ls
                  NAME            STACK    USED BY  CREATED
                  mystack_pgdata  mystack  mystack  2026-05-02T09:14:03.123456789Z
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @Option(name: [.short, .customLong("project-name")], help: "Only this stack's volumes.")
        var projectName: String?

        @Option(name: .long, help: "table or json.")
        var format: Format = .table

        @Flag(name: [.short, .customLong("quiet")], help: "Only the names, one per line.")
        var quiet = false

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let query = projectName.map { "?stack=\(urlEncoded($0))" } ?? ""
            let volumes = try await agent.client().call("GET", "/v1/volumes\(query)", as: [VolumeStatus].self)
            if quiet {
                for volume in volumes { print(volume.name) }
                return
            }
            switch format {
            case .json:
                print(try prettyJSON(volumes))
            case .table:
                print(Table.render(header: ["NAME", "STACK", "USED BY", "CREATED"], rows: volumes.map {
                    [$0.name, $0.stack ?? "-", $0.inUseBy ?? "-", $0.createdAt ?? "-"]
                }))
            }
        }
    }
}
