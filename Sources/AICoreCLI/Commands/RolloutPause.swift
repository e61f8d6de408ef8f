import AICoreServer
import ArgumentParser

extension RolloutCommand {
    /// `aicore-node rollout pause SERVICE`.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Pause a service's progressing rollout.",
            discussion: """
                No replica of the service is started or stopped until `rollout resume` or \
                `rollout undo`; those that run keep running, old and new side by side. Fails \
                when no rollout of the service is progressing.

                  aicore-node rollout pause api
                """
        )

        @OptionGroup var target: ServiceTarget

        func run() async throws {
            let (client, _, path) = try await target.resolve()
            let status = try await client.call("POST", path + "/rollout/pause", as: RolloutStatus.self)
            print("rollout of \(target.service) to revision \(status.revision) paused (\(status.updated) of \(status.replicas) replicas updated, \(status.old) old)")
        }
    }
}
