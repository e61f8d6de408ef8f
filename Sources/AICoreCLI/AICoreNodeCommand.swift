import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Minimal root command of the runtime branch (the main branch has the real one; merged by hand).
public struct AICoreNodeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aicore-node",
        abstract: "Run and orchestrate isolated workloads on a bare Linux host.",
        subcommands: [Run.self]
    )

    public init() {}

    /// Like `main()`, except that `run` fails the way `docker run` does: one line on stderr and
    /// exit status 125 for bad flags or a missing command.
    public static func mainEntry() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if arguments.first == "run", exitCode(for: error) != .success, !(error is ExitCode) {
                Run.fail(message(for: error))
            }
            exit(withError: error)
        }
    }
}
