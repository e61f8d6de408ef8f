import AICoreServer
import ArgumentParser

/// `aicore-node kill`: Compose's `kill`, a signal to the services' running instances.
struct Kill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a signal (default SIGKILL) to services' running instances.",
        discussion: """
            As `docker kill`: SIGKILL, or the service's stop_signal, leaves the instance stopped \
            whatever its restart policy (as `stop` does; `start` or `up` starts it again). Any \
            other signal is only delivered; should the workload exit of it, its restart policy \
            decides as for any exit. The instance's init forwards SIGTERM, SIGINT, SIGHUP, SIGUSR1, \
            SIGUSR2 and SIGQUIT to the workload; SIGKILL ends the whole instance. A paused \
            instance is thawed first.
            """
    )

    @Option(name: [.short, .customLong("signal")], help: "The signal: a name (SIGHUP, HUP) or a number.")
    var signal = "SIGKILL"

    @OptionGroup var options: ServiceListOptions

    func run() async throws {
        let (client, stack, services) = try await options.resolve()
        for service in services {
            let result = try await client.call("POST", ServiceListOptions.path(stack, service, "kill"),
                                               json: KillRequest(signal: signal), as: InstanceActionResult.self)
            for id in result.instances { print("killed \(id)") }
        }
    }
}
