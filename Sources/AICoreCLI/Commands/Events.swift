import ArgumentParser

/// `aicore-node events`: every state change, as it happens.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream events: state changes with their reasons.")

    /// `-p`, `-f` or a Compose file here: only that stack; none: every stack on the node.
    @OptionGroup var selection: StackSelection

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        try await Progress.followEvents(client: try agent.client(), stack: try selection.stackFiles.stackName())
    }
}
