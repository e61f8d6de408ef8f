import AICoreSpec
import ArgumentParser

/// `aicore-node config print -f FILE [--format yaml|json]`.
struct ConfigPrint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print the normalized stack: defaults filled in, variables interpolated, long forms.",
        discussion: "Like `docker compose config`. The output loads again into the same stack; `$` is written as `$$`."
    )

    @OptionGroup var stackFiles: StackFileOptions

    @Option(help: "Output format: yaml or json.")
    var format: StackPrinter.Format = .yaml

    @Flag(help: "Treat \"aicore-node cannot run this\" warnings as errors.")
    var strict = false

    func run() async throws {
        let loaded = try stackFiles.load(strict: strict)
        print(StackPrinter.render(loaded.stack, format: format), terminator: "")
    }
}

extension StackPrinter.Format: ExpressibleByArgument {}
