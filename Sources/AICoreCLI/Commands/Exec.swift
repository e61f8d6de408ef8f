import AICoreServer
import AICoreSpec
import ArgumentParser
import Foundation

/// `aicore-node exec [-u USER] [-w DIR] [-e KEY=VALUE] SERVICE[/N] CMD [ARGS…]`: non-interactive,
/// as `docker compose exec -T`.
struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside a running instance, as its user or --user; exits with the command's status.",
        discussion: """
            Options go before the target; everything after it is the command (`--` before it is \
            optional). Non-interactive: the output (stdout and stderr, at most 1 MiB) is printed \
            when the command ends. Exits with the command's status, 127 when it is not found and \
            126 when it cannot be executed (as Docker), 1 when it was killed at --timeout. \
            --user takes that user's capabilities under the service's cap_add/cap_drop (root: \
            the default set, others none), as `docker exec -u`; the seccomp filter stays the \
            workload's.
            """
    )

    @Option(name: .long, help: "Seconds before the command is killed.")
    var timeout: Double = 60

    @Option(name: [.customShort("u"), .long], help: "Run as this user: a name or uid[:gid], resolved in the instance's /etc/passwd and /etc/group.")
    var user: String?

    @Option(name: [.customShort("w"), .long], help: "Working directory inside the instance (absolute).")
    var workdir: String?

    @Option(name: [.customShort("e"), .long], help: "Set an environment variable, KEY=VALUE (KEY alone: this shell's value); repeat for several.")
    var env: [String] = []

    @Flag(name: [.customShort("T"), .customLong("no-tty")], help: "Accepted for Compose's sake: exec never allocates a terminal.")
    var noTTY = false

    @Option(name: .long, help: "The replica of SERVICE to run in (as SERVICE/N).")
    var index: Int?

    @Flag(name: .long, help: "Every capability for the command: only in a privileged service, whose instance holds them already.")
    var privileged = false

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
        var environment: [String: String] = [:]
        for entry in env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard EnvFileParser.isValidKey(key) else { throw CLIFailure.invalid("--env \(entry): expected KEY=VALUE with a variable name as KEY") }
            // As docker: KEY alone takes this shell's value, and is left out when it has none.
            if parts.count == 2 {
                environment[key] = String(parts[1])
            } else if let value = ProcessInfo.processInfo.environment[key] {
                environment[key] = value
            }
        }
        if let workdir, !workdir.hasPrefix("/") { throw CLIFailure.invalid("--workdir \(workdir): expected an absolute path") }
        var target = self.target
        if let index {
            guard index > 0 else { throw CLIFailure.invalid("--index \(index): expected a replica number (1, 2, …)") }
            guard !target.contains("/") else { throw CLIFailure.invalid("give the replica once: \(target) or --index \(index)") }
            target += "/\(index)"
        }
        let client = try agent.client()
        let instance = try await InstanceTarget.resolve(target, client: client, selection: selection.stackFiles)[0]
        let request = ExecRequest(command: command, timeoutSeconds: timeout, user: user, workingDir: workdir,
                                  environment: environment.isEmpty ? nil : environment, privileged: privileged ? true : nil)
        let result = try await client.call("POST", "/v1/instances/\(urlEncoded(instance.id))/exec",
                                           json: request, as: ExecResult.self,
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
