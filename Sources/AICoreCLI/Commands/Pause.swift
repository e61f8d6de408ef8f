import AICoreServer
import ArgumentParser

/// `aicore-node pause`: Compose's `pause`, the services' running instances frozen.
struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pause services' running instances: their processes are frozen (cgroup freezer).",
        discussion: """
            A paused instance is not failed: its checks stop, it takes no traffic (not ready), and \
            it is not restarted; `ps` shows it paused. `unpause` resumes it and its checks. It stays \
            paused across an agent restart.
            """
    )

    @OptionGroup var options: ServiceListOptions

    func run() async throws {
        let (client, stack, services) = try await options.resolve()
        for service in services {
            let result = try await client.call("POST", ServiceListOptions.path(stack, service, "pause"), as: InstanceActionResult.self,
                                               timeout: .seconds(120))
            for id in result.instances { print("paused \(id)") }
        }
    }
}
