import AICoreServer
import ArgumentParser

extension ImageCommand {
    /// `aicore-node image ls`: the images on the node.
    struct Ls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the images on the node.",
            discussion: """
                SIZE is what a registry transfers (the compressed layers and the config); \
                `image df` shows the disk taken, with shared layers counted once. USED BY \
                lists the services of stacks on the node that name the image: `image rm` \
                refuses those.

                  $ aicore-node image ls
                  IMAGE                 IMAGE ID      PLATFORM     SIZE     USED BY
                  localhost/app:1       3f1c0a9e2b7d  linux/amd64  1.2MB    demo/api
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @Option(name: .long, help: "table or json.")
        var format: Format = .table

        @Flag(name: [.short, .customLong("quiet")], help: "Only the image IDs, one per line.")
        var quiet = false

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let images = try await agent.client().call("GET", "/v1/images", as: [ImageStatus].self)
            if quiet {
                for image in images { print(image.id.split(separator: ":").last.map { String($0.prefix(12)) } ?? image.id) }
                return
            }
            switch format {
            case .json:
                print(try prettyJSON(images))
            case .table:
                print(Table.render(header: ["IMAGE", "IMAGE ID", "PLATFORM", "SIZE", "USED BY"], rows: images.map {
                    [$0.familiar, String($0.id.split(separator: ":").last?.prefix(12) ?? ""), $0.platform,
                     VolumeCommand.Prune.humanSize(UInt64(max($0.size, 0))), $0.usedBy.isEmpty ? "-" : $0.usedBy.joined(separator: ",")]
                }))
            }
        }
    }
}
