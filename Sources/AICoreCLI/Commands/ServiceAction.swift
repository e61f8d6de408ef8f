import AICoreServer
import ArgumentParser

/// `restart`, `stop` and `start` of services: the same shape, one endpoint each. With no
/// service named, every service of the stack, as Compose's: started and restarted each after
/// what it depends on, stopped each before.
struct ServiceActionOptions: ParsableArguments {
    @Argument(help: "Services (default: every service of the stack).")
    var services: [String] = []

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func perform(_ action: String, done: String) async throws {
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        var services = self.services
        if services.isEmpty {
            let known = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))", as: StackStatus.self).services
            let order = ServiceStatus.startOrder(known).map(\.name)
            services = action == "stop" ? order.reversed() : order
        }
        var restarted: Set<String> = []
        for service in services {
            let path = "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(service))/\(action)"
            if action == "stop" {
                let result = try await client.call("POST", path, as: [String: [String]].self, timeout: .seconds(900))
                for id in result["stopped"] ?? [] { print("stopped \(id)") }
            } else {
                // Restarting everything: a service restarted with what it depends on (its
                // `restart: true`) is not restarted a second time.
                if self.services.isEmpty, action == "restart", restarted.contains(service) { continue }
                let plan = try await client.call("POST", path, as: PlanMessage.self, timeout: .seconds(900))
                restarted.formUnion(services.filter { name in
                    let prefix = "\(stack)-\(name)-"
                    return plan.starts.contains { $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).allSatisfy(\.isNumber) }
                })
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
