import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node exec SERVICE[/N] CMD [ARGS…]`: non-interactive, as `docker compose exec -T`.
struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside a running instance, as its user; exits with the command's status.",
        discussion: """
            Options go before the target; everything after it is the command (`--` before it is \
            optional). Non-interactive: the output (stdout and stderr, at most 1 MiB) is printed \
            when the command ends. Exits with the command's status, 127 when it is not found and \
            126 when it cannot be executed (as Docker), 1 when it was killed at --timeout.
            """
    )

    @Option(name: .long, help: "Seconds before the command is killed.")
    var timeout: Double = 60

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    @Argument(help: "SERVICE (its first replica), SERVICE/N or an instance name.")
    var target: String

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func run() async throws {
        var command = self.command
        if command.first == "--" { command.removeFirst() }
        guard !command.isEmpty else { throw CLIFailure.invalid("give the command after the target, e.g. exec \(target) ls /") }
        let client = try agent.client()
        let instance = try await InstanceTarget.resolve(target, client: client, selection: selection.stackFiles)[0]
        let result = try await client.call("POST", "/v1/instances/\(urlEncoded(instance.id))/exec",
                                           json: ExecRequest(command: command, timeoutSeconds: timeout), as: ExecResult.self,
                                           timeout: .seconds(Int64(timeout) + 30))
        FileHandle.standardOutput.write(Data(result.output.utf8))
        if let error = result.error {
            // The command's own output may end without a newline; the reason starts a line.
            if !result.output.isEmpty && !result.output.hasSuffix("\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
            throw CLIFailure(message: error, code: result.exitCode ?? ExitStatus.failure)
        }
        if let code = result.exitCode, code != 0 { throw ExitCode(code) }
    }
}
