import AICoreServer
import ArgumentParser

extension VolumeCommand {
    /// `aicore-node volume rm NAME…`: removes volumes no stack on the node uses.
    struct Rm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove volumes, with everything in them.",
            discussion: """
                Prints each name removed. A volume that a stack still on the node mounts is \
                refused (exit 1) until `aicore-node down` of that stack; an unknown name exits 2. \
                The other names are still removed.
                """
        )

        @Argument(help: "Volume names (as `volume ls` shows them).")
        var names: [String]

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            try await VolumeCommand.each(names) { name in
                let removal = try await client.call("DELETE", "/v1/volumes/\(urlEncoded(name))", as: VolumeRemoval.self)
                for removed in removal.removed { print(removed) }
            }
        }
    }
}
