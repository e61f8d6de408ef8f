import AICoreServer
import ArgumentParser

/// `aicore-node inspect INSTANCE`.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one instance in full, as JSON: state, health, probe log, cgroup figures, last events.")

    @Argument(help: "An instance name (as `ps` shows it).")
    var instance: String

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let status = try await agent.client().call("GET", "/v1/instances/\(urlEncoded(instance))", as: InstanceStatus.self)
        print(try prettyJSON(status))
    }
}
