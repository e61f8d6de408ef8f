import AICoreSpec
import ArgumentParser
import Foundation

/// `aicore-node build [SERVICE…]`: the images of a stack's services with `build:`, as
/// `docker compose build`.
struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the images of the stack's services that have a `build` section.",
        discussion: """
            Reads the stack file as `up` does and has the agent build each service's image with \
            buildah (chroot isolation, its layer cache kept in the agent's state directory), \
            then store it in the node's image store under the service's `image` (or \
            <project>-<service>:latest) and its `tags`. Base images come from the agent's \
            registries configuration (mirrors, insecure registries) and `login` credentials. \
            buildah's output is shown as it runs; a failing step exits 1 with buildah's message.

            `up` builds by itself what is missing; `up --build` builds every time.

              aicore-node build
              aicore-node build web --no-cache
            """
    )

    @OptionGroup var files: StackFileOptions

    @Argument(help: "Only these services.")
    var services: [String] = []

    @Flag(name: .customLong("no-cache"), help: "Build every step again, without the builder's cache.")
    var noCache = false

    @Flag(name: .long, help: "Pull the base images again even when the builder has them.")
    var pull = false

    @Flag(name: [.short, .customLong("quiet")], help: "Print nothing but a failure.")
    var quiet = false

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let loaded = try files.load(strict: false)
        let stack = loaded.stack
        for name in services {
            guard let service = stack.service(named: name) else {
                throw CLIFailure.invalid("no service \(name) in stack \(stack.name)")
            }
            guard service.build != nil else {
                throw CLIFailure.invalid("service \(name) has no `build` section: its image is pulled, not built")
            }
        }
        guard stack.services.contains(where: { $0.build != nil }) else {
            if !quiet { print("no service of stack \(stack.name) has a `build` section: nothing to build") }
            return
        }
        let path = URL(fileURLWithPath: try files.loadOptions(strict: false).files[0]).standardizedFileURL.path
        let client = try agent.client()
        guard await client.isReachable() else {
            throw CLIFailure.failed("cannot reach the agent at \(client.address); builds run in the agent: start `aicore-node agent`, or `up`, which runs one here")
        }
        let yaml = AgentStackText.yaml(stack)
        do {
            try await ImageBuilding.build(stack, yaml: yaml, path: path,
                                          options: .init(services: services, noCache: noCache, pull: pull, quiet: quiet), client: client)
        } catch let failure as CLIFailure {
            throw failure.located(in: loaded)
        }
    }
}
