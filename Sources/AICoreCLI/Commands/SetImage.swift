import AICoreServer
import ArgumentParser

extension SetCommand {
    /// `aicore-node set image SERVICE IMAGE`.
    struct Image: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "image",
            abstract: "Set a service's image, and roll the change out.",
            discussion: """
                The agent pulls the new image first (by the service's pull_policy), and only \
                then starts the rollout's new replicas: a pull that fails changes nothing.

                  aicore-node set image api registry.example/api:1.4
                """
        )

        @OptionGroup var target: ServiceTarget

        @Argument(help: "The new image.")
        var image: String

        func validate() throws {
            guard !image.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("the image must not be empty") }
        }

        func run() async throws {
            try await target.update(ServiceUpdateRequest(image: image), done: "image set to \(image)")
        }
    }
}
