import AICoreServer
import ArgumentParser

extension RolloutCommand {
    /// `aicore-node rollout restart SERVICE`: a rollout with nothing changed but the replicas.
    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restart",
            abstract: "Replace every replica of a service, a few at a time, under its rollout policy.",
            discussion: """
                Unlike `aicore-node restart`, which stops and starts the service at once, this rolls \
                new replicas in while the old ones still serve, as a change of its spec would, and \
                records a new revision.

                  aicore-node rollout restart api && aicore-node rollout status api
                """
        )

        @OptionGroup var target: ServiceTarget

        func run() async throws {
            try await target.update(ServiceUpdateRequest(restart: true), done: "restarting")
        }
    }
}
