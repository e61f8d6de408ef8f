import AICoreServer
import ArgumentParser

/// `aicore-node port SERVICE PRIVATE_PORT`: where a service's port is published, as
/// `docker compose port` prints it.
struct Port: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the host address a service's port is published on (HOST_IP:PORT).",
        discussion: "Exits 1 when the port is not published. The proxy serves it and balances over the ready replicas.")

    @Argument(help: "The service.")
    var service: String

    @Argument(help: "The service's own (target) port, as in `ports: [\"8081:8000\"]`'s 8000.")
    var privatePort: Int

    @Option(name: .long, help: "tcp or udp.")
    var `protocol`: String = "tcp"

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        let status = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(service))",
                                           as: ServiceStatus.self)
        // Each entry reads HOST_IP:PUBLISHED[-LAST]->TARGET/PROTOCOL.
        for mapping in status.ports {
            let sides = mapping.split(separator: ">", maxSplits: 1).map(String.init)
            guard sides.count == 2, sides[1] == "\(privatePort)/\(self.protocol)" else { continue }
            print(String(sides[0].dropLast()))
            return
        }
        throw CLIFailure.failed("service \(service) does not publish \(privatePort)/\(self.protocol)"
            + (status.ports.isEmpty ? "" : "; it publishes \(status.ports.joined(separator: ", "))"))
    }
}
