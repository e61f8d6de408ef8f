import AICoreServer
import ArgumentParser

/// `aicore-node logout [SERVER]`: forgets the agent's credentials for a registry.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the agent's credentials for a registry (Docker Hub by default).",
        discussion: """
            Removes the registry's entry from the agent's credentials file \
            (<state-dir>/auth.json); pulls from it are anonymous again unless \
            $REGISTRY_AUTH_FILE or ~/.docker/config.json hold credentials for it, which are \
            theirs and stay. Not being logged in is not an error.

              aicore-node logout registry.example.com
              aicore-node logout            # Docker Hub
            """
    )

    @Argument(help: ArgumentHelp("The registry: host[:port] (default docker.io).", valueName: "server"))
    var server: String?

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let answer = try await agent.client().call("POST", "/v1/registries/logout", json: RegistryLogoutRequest(registry: server), as: RegistryLogout.self)
        print(answer.removed ? "Removing login credentials for \(answer.registry)" : "Not logged in to \(answer.registry)")
    }
}
