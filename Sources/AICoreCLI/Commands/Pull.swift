import AICoreImages
import AICoreServer
import ArgumentParser

/// `aicore-node pull [SERVICE…]`: the images of a stack's services, as `docker compose pull`.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull the images of the stack's services.",
        discussion: """
            Reads the stack file as `up` does (compose.yml in the project directory, or -f) and \
            pulls each image its services name (or the SERVICEs given), once each, whatever \
            their pull_policy. `up` pulls by itself what is missing before it starts anything.

              aicore-node pull
              aicore-node pull api worker
            """
    )

    @OptionGroup var files: StackFileOptions

    @Argument(help: "Only these services.")
    var services: [String] = []

    @Flag(name: [.short, .customLong("quiet")], help: "Print only each image's name once pulled.")
    var quiet = false

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let stack = try files.load(strict: false).stack
        let unknown = services.filter { name in !stack.services.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw CLIFailure.invalid("no service \(unknown.joined(separator: ", ")) in stack \(stack.name)")
        }
        var seen = Set<String>()
        let client = try agent.client()
        for service in stack.services where services.isEmpty || services.contains(service.name) {
            guard let image = service.image, seen.insert(image).inserted else { continue }
            let pulled = try await ImagePulling.pull(image, platform: service.platform, client: client, quiet: quiet)
            print(quiet ? pulled.name : "\(service.name): \(pulled.familiar) pulled")
        }
    }
}
