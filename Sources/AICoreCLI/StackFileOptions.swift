import AICoreSpec
import ArgumentParser
import Foundation

/// The options every command that reads stack files shares, as in `docker compose`.
struct StackFileOptions: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: "A stack file; repeat to merge several (later files override earlier ones).")
    var files: [String] = []

    @Option(name: .customLong("env-file"), help: "A file of KEY=VALUE lines for interpolation; overrides the environment and .env.")
    var envFiles: [String] = []

    @Option(name: .customLong("profile"), help: "Enable services of this profile; repeat for several.")
    var profiles: [String] = []

    @Option(name: [.short, .customLong("project-name")], help: "The stack name (overrides `name:` in the file).")
    var projectName: String?

    /// The Compose default file names, searched in the current directory when no -f is given.
    static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    func loadOptions(strict: Bool) throws -> StackLoadOptions {
        var files = self.files
        if files.isEmpty {
            let directory = FileManager.default.currentDirectoryPath
            guard let found = Self.defaultFileNames.first(where: { FileManager.default.fileExists(atPath: directory + "/" + $0) })
            else {
                throw ValidationError("no stack file given and none of \(Self.defaultFileNames.joined(separator: ", ")) here; use -f FILE")
            }
            files = [found]
        }
        return StackLoadOptions(
            files: files, envFiles: envFiles, profiles: profiles, projectName: projectName, strict: strict,
            environment: ProcessInfo.processInfo.environment)
    }

    /// Loads the stack, writing warnings to stderr; on errors writes them all and exits 2.
    func load(strict: Bool) throws -> LoadedStack {
        let options = try loadOptions(strict: strict)
        do {
            let loaded = try StackLoader.load(options)
            DiagnosticPrinter.write(loaded.warnings)
            return loaded
        } catch {
            DiagnosticPrinter.write(error.diagnostics)
            let count = error.errors.count
            DiagnosticPrinter.writeLine("aicore-node: \(count) error\(count == 1 ? "" : "s") in \(options.files.joined(separator: ", "))")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
}

enum DiagnosticPrinter {
    static func write(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { writeLine(diagnostic.description) }
    }

    static func writeLine(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
