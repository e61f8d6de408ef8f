import AICoreImages
import AICoreServer
import ArgumentParser

extension ImageCommand {
    /// `aicore-node image prune [-a]`: frees what no image or instance uses.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove unused layers and unfinished downloads; with -a, also unused images.",
            discussion: """
                Without -a: blobs and layers that no image names any more (left by a re-pull that \
                moved a tag), downloads and unpacks that never finished. With -a: also every \
                image that no stack on the node names. Layers under running instances are kept. \
                Asks first, as Docker does; -f removes without asking (stdin must otherwise be a \
                terminal).
                """
        )

        @Flag(name: [.short, .customLong("all")], help: "Also remove images no stack on the node names.")
        var all = false

        @Flag(name: [.short, .customLong("force")], help: "Do not ask.")
        var force = false

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            if !force {
                let what = all ? "all images not used by a stack on this node, and " : ""
                try PruneConfirmation.ask("image prune", warning: "WARNING! This will remove \(what)every layer and download no image uses.")
            }
            let cleanup = try await client.call("POST", "/v1/images/prune\(all ? "?all=true" : "")", as: ImageCleanup.self, timeout: .seconds(900))
            if !cleanup.removedImages.isEmpty {
                print("Deleted Images:")
                for name in cleanup.removedImages { print("untagged: \(name)") }
                print("")
            }
            print("Deleted \(cleanup.removedLayers) layers, \(cleanup.removedBlobs) blobs, \(cleanup.removedPartials) unfinished downloads")
            print("Total reclaimed space: \(VolumeCommand.Prune.humanSize(cleanup.reclaimedBytes))")
        }
    }
}
