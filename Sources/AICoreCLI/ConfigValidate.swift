import AICoreServer
import AICoreSpec
import ArgumentParser
import Foundation

/// `aicore-node config validate -f FILE [--strict] [--offline]`.
struct ConfigValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check stack files and report every problem with its file, line, column and key path.",
        discussion: """
            Exits 0 when the stack is valid (warnings go to stderr) and 2 when it has errors. \
            Keys aicore-node does not implement are warnings; with --strict, those whose absence \
            would change behaviour (build, privileged, network_mode: service:x, …) are errors, as \
            they are when the stack is started. Compose habits that fail when an instance starts \
            (an image beside a command, a mount target missing on the host, replicas on a fixed \
            port) are warnings, also with --strict.

            Once the files are valid, the stack is checked against the node, when an agent answers \
            at --host (or $AICORE_HOST, or the default socket, as for `up`): a host port another \
            stack publishes, instance names another stack has, a subnet that overlaps another \
            network or a route of the node, an external network that does not exist. The agent \
            checks as `up` would, and saves, reserves and makes nothing; each problem is printed \
            as FILE:LINE:COLUMN: error: key.path: …, and the exit status is 2. With no agent \
            reachable, one line on stderr says the node checks were skipped and why, and a valid \
            file exits 0. --offline checks the files only and never contacts an agent.
            """
    )

    @OptionGroup var stackFiles: StackFileOptions
    @OptionGroup var agent: AgentOptions

    @Flag(help: "Treat \"aicore-node cannot run this\" warnings as errors.")
    var strict = false

    @Flag(help: "Check the files only; never contact the agent.")
    var offline = false

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() async throws {
        let loaded = try stackFiles.load(strict: strict)
        if !offline { try await checkAgainstNode(loaded) }
        if !quiet {
            let services = loaded.stack.services.count
            let warnings = loaded.warnings.count
            print(
                "\(loaded.stack.name): valid, \(services) service\(services == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
        }
    }

    /// The agent's dry run of `up` (`POST /v1/stacks/validate`), sent as `up` sends the stack; its
    /// findings located in the files. The files' own warnings were printed already: the agent's
    /// (the same loader's) are not printed again.
    private func checkAgainstNode(_ loaded: LoadedStack) async throws {
        let client = try agent.client()
        if let unreachable = await client.unreachable() {
            FileHandle.standardError.write(Data("aicore-node: node checks skipped: \(unreachable.message)\n".utf8))
            return
        }
        let yaml = AgentStackText.yaml(loaded.stack)
        let path = URL(fileURLWithPath: try stackFiles.loadOptions(strict: strict).files[0]).standardizedFileURL.path
        let query = "project_name=\(urlEncoded(loaded.stack.name))&path=\(urlEncoded(path))&strict=\(strict)"
        do {
            _ = try await client.call("POST", "/v1/stacks/validate?\(query)", yaml: yaml, as: ValidationMessage.self)
        } catch let failure as CLIFailure {
            guard !failure.details.isEmpty else { throw failure }
            // What the node refuses is the file's problem, as the file's own errors are.
            throw CLIFailure.invalid(failure.message, details: failure.located(in: loaded).details)
        }
    }
}
