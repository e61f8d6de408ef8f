import AICoreServer
import ArgumentParser

/// `aicore-node scale SERVICE=N …`.
struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Set the number of replicas of services.")

    @Argument(help: "SERVICE=REPLICAS, one or more.")
    var targets: [String]

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func validate() throws {
        guard !targets.isEmpty else { throw ValidationError("give at least one SERVICE=REPLICAS") }
        for target in targets {
            let parts = target.split(separator: "=")
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("\(target): expected SERVICE=REPLICAS, e.g. api=5")
            }
        }
    }

    func run() async throws {
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        for target in targets {
            let parts = target.split(separator: "=").map(String.init)
            let plan = try await client.call("POST", "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(parts[0]))/scale",
                                             json: ScaleRequest(replicas: Int(parts[1]) ?? 0), as: PlanMessage.self)
            let pending = plan.pending.sorted { $0.key < $1.key }
            print("\(parts[0]): scaling to \(parts[1]) (\(plan.starts.count) to start, \(plan.stops.count) to stop"
                + (pending.isEmpty ? ")" : ", \(pending.count) pending)"))
            // Pending: no room on the node; the reason says for what.
            for (instance, reason) in pending { print("  \(instance) pending: \(reason)") }
        }
    }
}
