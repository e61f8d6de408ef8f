import AICoreOS
import ArgumentParser
import Foundation

/// The process entry: parses, runs, and maps failures to aicore-node's exit codes
/// (0 ok, 1 operation failed, 2 invalid input) with one readable line each.
public enum AICoreNodeMain {
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        MallocArenas.limit()
        let arguments = ComposeGlobalOptions.normalized(arguments)
        do {
            // The one-shot's start: no ArgumentParser unless the line needs its help or errors.
            if arguments.first == "run", let options = RunOptions.scan(arguments.dropFirst()) {
                try options.validate()
                try await options.run()
                return
            }
            var command = try AICoreNode.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(with: error, arguments: arguments)
        }
    }

    private static func exit(with error: Error, arguments: [String]) -> Never {
        if let exitCode = error as? ExitCode {
            Foundation.exit(exitCode.rawValue)
        }
        if let failure = error as? CLIFailure {
            for detail in failure.details { FileHandle.standardError.write(Data((detail + "\n").utf8)) }
            FileHandle.standardError.write(Data("aicore-node: \(firstLine(failure.message))\n".utf8))
            Foundation.exit(failure.code)
        }
        let code = AICoreNode.exitCode(for: error)
        if code == .success {
            // --help and --version: ArgumentParser prints them.
            AICoreNode.exit(withError: error)
        }
        let message = AICoreNode.message(for: error)
        if arguments.first == "run" {
            // `run` fails like `docker run`: one line and 125, so 1 and 2 stay the workload's own.
            Run.fail(firstLine(message))
        }
        FileHandle.standardError.write(Data("aicore-node: \(firstLine(message))\n".utf8))
        if code == .validationFailure {
            FileHandle.standardError.write(Data("Run 'aicore-node --help' for usage.\n".utf8))
            Foundation.exit(ExitStatus.invalidInput)
        }
        Foundation.exit(ExitStatus.failure)
    }

    private static func firstLine(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.split(separator: "\n").first.map(String.init) ?? trimmed
    }
}

/// aicore-node's exit codes.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let invalidInput: Int32 = 2
}
