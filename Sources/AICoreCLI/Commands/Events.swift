import ArgumentParser

/// `aicore-node events`: every state change, as it happens.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream events: state changes with their reasons.")

    @Option(name: [.short, .customLong("project-name")], help: "Only this stack's events.")
    var projectName: String?

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        try await Progress.followEvents(client: try agent.client(), stack: projectName)
    }
}
