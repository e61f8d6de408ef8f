import AICoreServer
import ArgumentParser

/// `restart`, `stop` and `start` of services: the same shape, one endpoint each.
struct ServiceActionOptions: ParsableArguments {
    @Argument(help: "One or more services.")
    var services: [String]

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func perform(_ action: String, done: String) async throws {
        guard !services.isEmpty else { throw CLIFailure.invalid("name at least one service") }
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        for service in services {
            let path = "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(service))/\(action)"
            if action == "stop" {
                let result = try await client.call("POST", path, as: [String: [String]].self, timeout: .seconds(900))
                for id in result["stopped"] ?? [] { print("stopped \(id)") }
            } else {
                _ = try await client.call("POST", path, as: PlanMessage.self, timeout: .seconds(900))
                print("\(service): \(done)")
            }
        }
    }
}

struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart services (and their `restart: true` dependents), in dependency order.")
    @OptionGroup var options: ServiceActionOptions
    func run() async throws { try await options.perform("restart", done: "restarted") }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop services' instances without removing them; `start` or `up` starts them again.")
    @OptionGroup var options: ServiceActionOptions
    func run() async throws { try await options.perform("stop", done: "stopped") }
}

struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start services' stopped instances.")
    @OptionGroup var options: ServiceActionOptions
    func run() async throws { try await options.perform("start", done: "starting") }
}
