import AICoreSpec
import ArgumentParser

/// `aicore-node config validate -f FILE [--strict]`.
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
            """
    )

    @OptionGroup var stackFiles: StackFileOptions

    @Flag(help: "Treat \"aicore-node cannot run this\" warnings as errors.")
    var strict = false

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() async throws {
        let loaded = try stackFiles.load(strict: strict)
        if !quiet {
            let services = loaded.stack.services.count
            let warnings = loaded.warnings.count
            print(
                "\(loaded.stack.name): valid, \(services) service\(services == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
        }
    }
}
