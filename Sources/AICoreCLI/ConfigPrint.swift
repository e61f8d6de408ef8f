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
            unless --show-secrets. As Compose's: --services, --volumes, --images and --profiles print \
            one name a line instead (--profiles: every profile the file names), -q only validates, \
            and -o writes to a file.
            """
    )

    @OptionGroup var stackFiles: StackFileOptions

    @Option(help: "Output format: yaml or json.")
    var format: StackPrinter.Format = .yaml

    @Flag(help: "Treat \"aicore-node cannot run this\" warnings as errors.")
    var strict = false

    @Flag(help: "Print each secret's value (its file's content, or its variable from this shell's environment, .env or --env-file) instead of where it comes from.")
    var showSecrets = false

    @Flag(help: "Print the service names, one a line.")
    var services = false

    @Flag(help: "Print the named volumes, one a line.")
    var volumes = false

    @Flag(help: "Print each service's image, one a line (a built one's name, <project>-<service>, without an `image`).")
    var images = false

    @Flag(help: "Print every profile the file names, one a line.")
    var profiles = false

    @Flag(name: [.short, .customLong("quiet")], help: "Only validate: print nothing.")
    var quiet = false

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        if profiles {
            // Every profile, whether active or not: the file loaded with all of them on.
            var options = stackFiles.stackFiles
            options.profiles = ["*"]
            let all = try options.load(strict: strict)
            try emit(Set(all.stack.services.flatMap(\.profiles)).sorted().map { $0 + "\n" }.joined())
            return
        }
        let loaded = try stackFiles.load(strict: strict)
        if quiet { return }
        if services { return try emit(loaded.stack.services.map { $0.name + "\n" }.joined()) }
        if volumes { return try emit(loaded.stack.volumes.map { $0.key + "\n" }.joined()) }
        if images { return try emit(loaded.stack.services.compactMap { $0.image.map { $0 + "\n" } }.joined()) }
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
        try emit(StackPrinter.render(stack, format: format))
    }

    private func emit(_ text: String) throws {
        guard let output else {
            print(text, terminator: "")
            return
        }
        do {
            try FileIO.write(output, text)
        } catch {
            throw CLIFailure.failed("cannot write \(output): \(error)")
        }
    }
}

extension StackPrinter.Format: ExpressibleByArgument {}
