import AICoreServer
import ArgumentParser

/// `[SERVICE…]` of `kill`, `pause`, `unpause` and `rm`: the services named, or every service
/// of the stack when none is, as Compose's verbs take them; with the stack selection (`-p`,
/// `-f`, `--profile`, `--env-file`) and agent options.
struct ServiceListOptions: ParsableArguments {
    @Argument(help: "Services (default: every service of the stack).")
    var services: [String] = []

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    /// The client, the stack, and the services meant (the stack's own, in its order, when none
    /// was named). An unknown service is refused in one line, as the agent's 404 says it.
    func resolve() async throws -> (client: AgentClient, stack: String, services: [String]) {
        try await Self.resolve(services, selection: selection.stackFiles, agent: agent)
    }

    static func resolve(_ services: [String], selection: StackFiles,
                        agent: AgentOptions) async throws -> (client: AgentClient, stack: String, services: [String]) {
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        let known = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))", as: StackStatus.self).services.map(\.name)
        guard !services.isEmpty else { return (client, stack, known) }
        // Checked before anything is done: `rm` decides from the list what to ask about.
        if let unknown = services.first(where: { !known.contains($0) }) {
            throw CLIFailure.invalid("stack \(stack) has no service \(unknown); it has \(known.joined(separator: ", "))")
        }
        return (client, stack, services)
    }

    /// `/v1/stacks/S/services/N/<action>`.
    static func path(_ stack: String, _ service: String, _ action: String) -> String {
        "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(service))/\(action)"
    }
}
