import AICoreServer
import ArgumentParser

/// `aicore-node inspect SERVICE|SERVICE/N|INSTANCE`.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show instances in full, as JSON: state, health, probe log, cgroup figures, last events.",
        discussion: "SERVICE/N or an instance name prints one object; SERVICE prints an array of its replicas.")

    @Argument(help: "SERVICE, SERVICE/N or an instance name (as `ps` shows it).")
    var target: String

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let chosen = try await InstanceTarget.resolve(target, client: client, selection: selection.stackFiles)
        var detailed: [InstanceStatus] = []
        for instance in chosen {
            detailed.append(try await client.call("GET", "/v1/instances/\(urlEncoded(instance.id))", as: InstanceStatus.self))
        }
        let single = chosen.count == 1 && (target.contains("/") || chosen[0].id == target)
        print(single ? try prettyJSON(detailed[0]) : try prettyJSON(detailed))
    }
}
