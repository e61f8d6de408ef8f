import AICoreServer
import ArgumentParser

extension ImageCommand {
    /// `aicore-node image inspect NAME…`: an image's record and what it runs.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show images as JSON: digests, layers, platform, and what the image runs.",
            discussion: "NAME is a reference as `up` reads it (`redis:7` is docker.io/library/redis:7) or an image ID (12 or more hex digits)."
        )

        @Argument(help: "Image names or IDs.")
        var names: [String]

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            var found: [ImageStatus] = []
            try await VolumeCommand.each(names) { name in
                found.append(try await client.call("GET", "/v1/images/\(urlEncoded(name))", as: ImageStatus.self))
            }
            print(try prettyJSON(found))
        }
    }
}
