import AICoreServer
import ArgumentParser

/// `aicore-node down`: stop and remove a stack.
struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a stack's instances (dependents first) and remove it.",
        discussion: "Named volumes are kept unless -v is given; -v also removes the volumes of a stack that is down already. Nothing of the stack is left behind: no process, cgroup, mount, socket or event."
    )

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    @Flag(name: [.short, .customLong("volumes")], help: "Also remove the stack's named volumes.")
    var volumes = false

    func run() async throws {
        let client = try agent.client()
        let name = try await selection.resolve(client)
        let plan = try await client.call("DELETE", "/v1/stacks/\(urlEncoded(name))\(volumes ? "?volumes=true" : "")",
                                         as: PlanMessage.self, timeout: .seconds(900))
        for instance in plan.stops { print("stopped \(instance)") }
        for volume in plan.volumesRemoved { print("removed volume \(volume)") }
        print("stack \(name): down\(volumes ? ", volumes removed" : "")")
    }
}
