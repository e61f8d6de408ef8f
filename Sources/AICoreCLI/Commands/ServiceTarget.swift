import AICoreServer
import ArgumentParser

/// One service of a stack on the agent: the `SERVICE` argument of `rollout` and `set`, with the
/// stack selection (`-p`, `--file`) and agent options of `scale`.
struct ServiceTarget: ParsableArguments {
    @Argument(help: "The service.")
    var service: String

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    /// The client, the stack, and the service's REST path (`/v1/stacks/S/services/N`).
    func resolve() async throws -> (client: AgentClient, stack: String, path: String) {
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        return (client, stack, "/v1/stacks/\(urlEncoded(stack))/services/\(urlEncoded(service))")
    }

    /// How to name this service again in a hint: `-p STACK` when the stack was chosen explicitly.
    func command(_ verb: String, stack: String) -> String {
        let explicit = selection.isExplicit
        return "aicore-node \(verb) \(service)" + (explicit ? " -p \(stack)" : "")
    }

    /// Sends a change of the service (`PATCH`) and reports the stack revision holding it, with
    /// how to follow its rollout.
    func update(_ change: ServiceUpdateRequest, done: String) async throws {
        let (client, stack, path) = try await resolve()
        let plan = try await client.call("PATCH", path, json: change, as: PlanMessage.self, timeout: .seconds(300))
        Self.reportAccepted(plan, service: service, done: done, hint: command("rollout status", stack: stack))
    }

    static func reportAccepted(_ plan: PlanMessage, service: String, done: String, hint: String) {
        let revision = plan.revision.map { " (stack revision \($0))" } ?? ""
        if plan.noOp {
            print("\(service): unchanged\(revision)")
            return
        }
        print("\(service): \(done)\(revision)")
        print("follow the rollout with `\(hint)`")
    }
}
