import AICoreServer
import AICoreStore
import ArgumentParser
import Foundation

/// `aicore-node rm`: Compose's `rm`, the services' stopped instances removed.
struct Rm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove services' stopped instances (stopped, exited or failed); running ones stay unless -s.",
        discussion: """
            A removed instance's record goes, and its logs are kept as `logs --previous` shows them \
            until the stack goes down. The next `up` or `start` makes it afresh. Asks first unless -f.
            """
    )

    @Flag(name: [.short, .customLong("force")], help: "Don't ask to confirm.")
    var force = false

    @Flag(name: [.short, .customLong("stop")], help: "Stop the instances first if they run.")
    var stop = false

    @Flag(name: [.short, .customLong("volumes")], help: "Accepted for Compose: anonymous volumes. Named volumes stay (`down -v` removes them).")
    var volumes = false

    @Argument(help: "Services (default: every service of the stack).")
    var services: [String] = []

    // Not StackFileOptions: `-f` is force here, as in `docker compose rm -f`.
    @Option(name: .customLong("file"), help: "A stack file whose stack is meant; repeat to merge several.")
    var files: [String] = []

    @Option(name: .customLong("env-file"), help: "A file of KEY=VALUE lines for interpolation.")
    var envFiles: [String] = []

    @Option(name: .customLong("profile"), help: "Enable services of this profile; repeat for several.")
    var profiles: [String] = []

    @Option(name: [.short, .customLong("project-name")], help: "The stack name (overrides `name:` in the file).")
    var projectName: String?

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let selection = StackFiles(files: files, envFiles: envFiles, profiles: profiles, projectName: projectName)
        let (client, stack, services) = try await ServiceListOptions.resolve(services, selection: selection, agent: agent)
        let instances = try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self)
            .filter { services.contains($0.service) }
        let going = instances.filter { stop || Self.isStopped($0) }.map(\.id)
        guard !going.isEmpty else {
            print("No stopped instances")
            return
        }
        if !force { try Self.confirm(going) }
        for service in services {
            let query = stop ? "?stop=true" : ""
            let result = try await client.call("POST", ServiceListOptions.path(stack, service, "rm") + query, as: InstanceActionResult.self,
                                               timeout: .seconds(900))
            for id in result.instances { print("removed \(id)") }
        }
    }

    /// Not running, and nothing will start it by itself: what `rm` removes without -s.
    static func isStopped(_ instance: InstanceStatus) -> Bool {
        !instance.state.isActive && (instance.state != .backoff || instance.desired == .stopped)
    }

    /// Compose's question; a stdin that is not a terminal (a script) gets an error, not a guess.
    static func confirm(_ ids: [String]) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIFailure.invalid("rm asks before it removes anything and stdin is not a terminal; pass -f to remove without asking")
        }
        FileHandle.standardOutput.write(Data("Going to remove \(ids.joined(separator: ", "))\nAre you sure? [y/N] ".utf8))
        guard ["y", "yes"].contains((readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw CLIFailure.failed("rm cancelled; nothing was removed")
        }
    }
}
