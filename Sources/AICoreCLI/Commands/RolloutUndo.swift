import AICoreServer
import ArgumentParser

extension RolloutCommand {
    /// `aicore-node rollout undo SERVICE [--to-revision N]`.
    struct Undo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "undo",
            abstract: "Roll a service back to an earlier revision.",
            discussion: """
                Rolls out the spec of --to-revision (default: the revision before the current one) \
                again, keeping the service's replica count; it is recorded as the newest revision. \
                `rollout history` lists the revisions.

                  aicore-node rollout undo api
                  aicore-node rollout undo api --to-revision 2
                """
        )

        @OptionGroup var target: ServiceTarget

        @Option(name: .long, help: ArgumentHelp("The revision to go back to.", valueName: "N"))
        var toRevision: Int?

        func validate() throws {
            if let toRevision, toRevision < 1 { throw ValidationError("--to-revision \(toRevision): revisions count from 1") }
        }

        func run() async throws {
            let (client, stack, path) = try await target.resolve()
            let body = toRevision.map { RolloutUndoRequest(toRevision: $0) }
            let plan = try await client.call("POST", path + "/rollout/undo", json: body, as: PlanMessage.self, timeout: .seconds(300))
            let done = toRevision.map { "rolling back to revision \($0)" } ?? "rolling back to the previous revision"
            ServiceTarget.reportAccepted(plan, service: target.service, done: done, hint: target.command("rollout status", stack: stack))
        }
    }
}
