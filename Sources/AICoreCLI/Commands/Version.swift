import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node version`: this binary's release and, when one answers, the agent's.
struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the version of aicore-node and of the agent it talks to.",
        discussion: "Exits 0 even when no agent answers: the client's version is still shown, and the agent's is said to be unreachable.")

    @Option(name: .long, help: "table or json.")
    var format: Ps.Format = .table

    @Flag(name: .long, help: "Only this binary's version; do not ask the agent.")
    var client = false

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        var agentVersion: VersionMessage?
        var unreachable: String?
        if !client {
            do {
                agentVersion = try await agent.client().call("GET", "/v1/version", as: VersionMessage.self, timeout: .seconds(5))
            } catch let failure as CLIFailure {
                unreachable = failure.message
            }
        }
        switch format {
        case .json:
            var object: [String: [String: String]] = ["client": ["version": AICoreVersion.current]]
            if let agentVersion { object["agent"] = ["version": agentVersion.version, "api_version": agentVersion.apiVersion] }
            print(try prettyJSON(object))
        case .table:
            print("aicore-node version \(AICoreVersion.current)")
            if let agentVersion { print("agent version \(agentVersion.version) (API \(agentVersion.apiVersion))") }
            if let unreachable { print("agent: \(unreachable)") }
        }
    }
}
