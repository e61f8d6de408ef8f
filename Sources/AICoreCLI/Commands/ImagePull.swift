import AICoreImages
import AICoreServer
import ArgumentParser
import Foundation

extension ImageCommand {
    /// `aicore-node image pull REF`: one image from its registry.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pull",
            abstract: "Pull an image from its registry onto the node.",
            discussion: """
                The agent pulls (no container daemon): it resolves the tag with a HEAD, picks \
                the node's platform from an index, downloads what it lacks (resuming an \
                interrupted download), verifies every blob against its digest and unpacks each \
                layer once. Credentials come from the agent's own file, $REGISTRY_AUTH_FILE, \
                or Docker's ~/.docker/config.json (with its credential helpers); plain http \
                only for 127.0.0.0/8, ::1 and `registries.insecure` (docs/operations.md).

                  aicore-node image pull redis:7
                  aicore-node image pull 127.0.0.1:5000/team/api:2 --platform linux/arm64
                """
        )

        @Argument(help: "The image reference (`redis:7`, `host:5000/app@sha256:…`).")
        var reference: String

        @Option(name: .long, help: "os/arch[/variant] when not the node's own.")
        var platform: String?

        @Flag(name: [.short, .customLong("quiet")], help: "Print only the image's name once pulled.")
        var quiet = false

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let image = try await ImagePulling.pull(reference, platform: platform, client: try agent.client(), quiet: quiet)
            print(quiet ? image.name : "\(image.familiar): pulled \(image.digest)")
        }
    }
}

/// A pull through the agent, with a line per layer as it goes (`PullDisplay`: bars on a
/// terminal, a line per phase change otherwise).
enum ImagePulling {
    static func pull(_ reference: String, platform: String?, client: AgentClient, quiet: Bool) async throws -> ImageStatus {
        let body = Array(try ControlAPI.encoder.encode(PullRequest(reference: reference, platform: platform)))
        let stream: AgentStream
        do {
            stream = try await client.stream("POST", "/v1/images/pull", body: body, contentType: "application/json", timeout: .seconds(60))
        } catch {
            throw CLIFailure.from(error)
        }
        var display = PullDisplay()
        var pulled: ImageStatus?
        try await stream.forEachLine { line in
            guard let message = try? ControlAPI.decoder.decode(PullMessage.self, from: Data(line)) else { return }
            if let progress = message.progress, !quiet { display.show(progress) }
            if let image = message.image { pulled = image }
            if let problem = message.error {
                throw problem.status >= 400 && problem.status < 500 ? CLIFailure.invalid(problem.detail) : CLIFailure.failed(problem.detail)
            }
        }
        if let pulled { return pulled }
        throw CLIFailure.failed("the agent ended the pull of \(reference) without saying how it went")
    }
}
