import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node exec SERVICE[/N] -- CMD …`: non-interactive.
struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside a running instance, as its user; exits with the command's status.",
        discussion: "Non-interactive: the output (stdout and stderr, at most 1 MiB) is printed when the command ends."
    )

    @Argument(help: "SERVICE (its first replica), SERVICE/N or an instance name.")
    var target: String

    @Argument(parsing: .postTerminator, help: "The command, after --.")
    var command: [String] = []

    @Option(name: .long, help: "Seconds before the command is killed.")
    var timeout: Double = 60

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        guard !command.isEmpty else { throw CLIFailure.invalid("give the command after --, e.g. exec api -- ls /") }
        let client = try agent.client()
        let ids = try await InstanceTarget.resolve(target, client: client, selection: selection)
        let result = try await client.call("POST", "/v1/instances/\(urlEncoded(ids[0]))/exec",
                                           json: ExecRequest(command: command, timeoutSeconds: timeout), as: ExecResult.self,
                                           timeout: .seconds(Int64(timeout) + 30))
        FileHandle.standardOutput.write(Data(result.output.utf8))
        guard let code = result.exitCode else {
            throw CLIFailure.failed("the command was killed after \(timeout)s")
        }
        if code != 0 { throw ExitCode(code) }
    }
}
