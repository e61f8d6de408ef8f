import AICoreServer
import ArgumentParser

/// `aicore-node unpause`: Compose's `unpause`.
struct Unpause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unpause services' paused instances: their processes and checks run again.")

    @OptionGroup var options: ServiceListOptions

    func run() async throws {
        let (client, stack, services) = try await options.resolve()
        for service in services {
            let result = try await client.call("POST", ServiceListOptions.path(stack, service, "unpause"), as: InstanceActionResult.self,
                                               timeout: .seconds(120))
            for id in result.instances { print("unpaused \(id)") }
        }
    }
}
