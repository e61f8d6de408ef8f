import AICoreServer
import ArgumentParser

extension RolloutCommand {
    /// `aicore-node rollout resume SERVICE`.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Resume a service's paused rollout.",
            discussion: """
                The rollout goes on from where it stopped, whether `rollout pause` or a failure \
                (`failure_action: pause`) paused it. Fails when the rollout is not paused.

                  aicore-node rollout resume api && aicore-node rollout status api
                """
        )

        @OptionGroup var target: ServiceTarget

        func run() async throws {
            let (client, stack, path) = try await target.resolve()
            let status = try await client.call("POST", path + "/rollout/resume", as: RolloutStatus.self)
            print("rollout of \(target.service) to revision \(status.revision) resumed")
            print("follow the rollout with `\(target.command("rollout status", stack: stack))`")
        }
    }
}
