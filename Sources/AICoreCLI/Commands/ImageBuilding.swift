import AICoreServer
import AICoreSpec
import Foundation

/// Builds through the agent (`build`, `up`): the stack file goes to `POST
/// /v1/stacks/{stack}/build`, and buildah's output comes back line by line, shown as it comes.
enum ImageBuilding {
    struct Options {
        var services: [String] = []
        var noCache = false
        var pull = false
        /// Show nothing of buildah's output, only a failure.
        var quiet = false
    }

    /// Builds `options.services` of `stack` (every service with `build` when empty); returns
    /// each image built, by service. The first failure ends it, as one line naming the step.
    @discardableResult
    static func build(_ stack: Stack, yaml: String, path: String, options: Options, client: AgentClient) async throws -> [String: ImageStatus] {
        var query = "path=\(urlEncoded(path))"
        for service in options.services { query += "&service=\(urlEncoded(service))" }
        if options.noCache { query += "&no_cache=true" }
        if options.pull { query += "&pull=true" }
        let stream: AgentStream
        do {
            stream = try await client.stream("POST", "/v1/stacks/\(urlEncoded(stack.name))/build?\(query)", body: Array(yaml.utf8),
                                             contentType: "application/yaml", timeout: .seconds(60))
        } catch {
            throw CLIFailure.from(error)
        }
        var built: [String: ImageStatus] = [:]
        var announced: String?
        try await stream.forEachLine { line in
            guard let message = try? ControlAPI.decoder.decode(BuildMessage.self, from: Data(line)) else { return }
            if let problem = message.error {
                // A step that fails is a failed build (1), as with `docker compose build`;
                // a request the agent refused is input to fix (2).
                let refused = problem.status >= 400 && problem.status < 500 && !problem.type.hasSuffix("/build-failed")
                throw refused ? CLIFailure.invalid(problem.detail) : CLIFailure.failed(problem.detail)
            }
            guard let service = message.service else { return }
            if let text = message.line, !options.quiet {
                if announced != service {
                    announced = service
                    print("building \(service)")
                }
                print(text)
            }
            if let image = message.image {
                built[service] = image
                if !options.quiet { print("\(service): built \(image.familiar)") }
            }
        }
        let wanted = options.services.isEmpty ? stack.services.filter { $0.build != nil }.map(\.name) : options.services
        if let missing = wanted.first(where: { built[$0] == nil }) {
            throw CLIFailure.failed("the agent ended the build of \(missing) without saying how it went")
        }
        return built
    }
}
