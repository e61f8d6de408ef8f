import AICoreImages
import AICoreServer
import ArgumentParser

extension ImageCommand {
    /// `aicore-node image rm NAME…`: removes images that no stack on the node names.
    struct Rm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove images, and the layers no other image uses.",
            discussion: """
                Prints each name removed. An image that a service of a stack on the node names is \
                refused (exit 1) with the services named; an unknown name exits 2. The other \
                names are still removed. Layers under running instances are kept.
                """
        )

        @Argument(help: "Image names or IDs (as `image ls` shows them).")
        var names: [String]

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            try await VolumeCommand.each(names) { name in
                let cleanup = try await client.call("DELETE", "/v1/images/\(urlEncoded(name))", as: ImageCleanup.self)
                for removed in cleanup.removedImages { print("Untagged: \(removed)") }
                if cleanup.removedLayers > 0 { print("Deleted: \(cleanup.removedLayers) layers") }
            }
        }
    }
}
