import AICoreServer
import ArgumentParser

extension ImageCommand {
    /// `aicore-node image df`: the disk the images take.
    struct Df: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "df",
            abstract: "Show the disk the images take, shared layers counted once."
        )

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let usage = try await agent.client().call("GET", "/v1/system/df", as: SystemDiskUsage.self).images
            let size = VolumeCommand.Prune.humanSize
            print(Table.render(header: ["IMAGES", "BLOBS", "LAYERS (UNPACKED)", "UNFINISHED"], rows: [[
                String(usage.images), size(usage.contentBytes), size(usage.layerBytes), size(usage.partialBytes),
            ]]))
        }
    }
}
