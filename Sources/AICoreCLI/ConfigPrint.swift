import AICoreSpec
import AICoreSystem
import ArgumentParser

/// `aicore-node config print -f FILE [--format yaml|json]`.
struct ConfigPrint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print the normalized stack: defaults filled in, variables interpolated, long forms.",
        discussion: """
            Like `docker compose config`. The output loads again into the same stack; `$` is written as `$$`. \
            Secrets print as where they come from (a file's path, a variable's name), never their values, \
            unless --show-secrets.
            """
    )

    @OptionGroup var stackFiles: StackFileOptions

    @Option(help: "Output format: yaml or json.")
    var format: StackPrinter.Format = .yaml

    @Flag(help: "Treat \"aicore-node cannot run this\" warnings as errors.")
    var strict = false

    @Flag(help: "Print each secret's value (its file's content, or its variable from this shell's environment, .env or --env-file) instead of where it comes from.")
    var showSecrets = false

    func run() async throws {
        let loaded = try stackFiles.load(strict: strict)
        var stack = loaded.stack
        if showSecrets {
            var values: [String: String] = [:]
            for secret in stack.secrets {
                switch secret.source {
                case let .file(path):
                    do {
                        values[secret.key] = String(decoding: try FileIO.read(path), as: UTF8.self)
                    } catch {
                        throw CLIFailure.failed("secret \(secret.key): cannot read \(path): \(error)")
                    }
                case let .environment(variable):
                    guard let value = loaded.variables[variable] else {
                        throw CLIFailure.failed("secret \(secret.key): the variable \(variable) is not set")
                    }
                    values[secret.key] = value
                case .content:
                    break
                }
            }
            stack = StackPrinter.revealingSecrets(stack) { values[$0.key] }
        }
        print(StackPrinter.render(stack, format: format), terminator: "")
    }
}

extension StackPrinter.Format: ExpressibleByArgument {}
