import AICoreServer
import AICoreSpec
import ArgumentParser
import Foundation

/// The stack files and name a command was given (`-f`, `--env-file`, `--profile`, `-p`), and
/// what follows from them as `docker compose` decides it: which files to load, and which stack
/// a verb means.
struct StackFiles {
    var files: [String] = []
    var envFiles: [String] = []
    var profiles: [String] = []
    var projectName: String?

    /// The Compose default file names, searched in the current directory and then its parents
    /// (as `docker compose` does) when no -f is given.
    static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    /// Whether the user named the stack or its files (else the stack comes from a file found here).
    var isExplicit: Bool { projectName != nil || !files.isEmpty }

    /// The stack files meant: those given with -f, else those `COMPOSE_FILE` lists (separated by
    /// `COMPOSE_PATH_SEPARATOR`, `:` by default; relative to `directory`), else the first Compose
    /// default file in `directory` or the nearest parent that has one; nil when there is none.
    func located(from directory: String = FileManager.default.currentDirectoryPath,
                 environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]? {
        if !files.isEmpty { return files }
        if let list = environment["COMPOSE_FILE"], !list.isEmpty {
            let separator = environment["COMPOSE_PATH_SEPARATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? ":"
            return list.components(separatedBy: separator).filter { !$0.isEmpty }.map { file in
                file.hasPrefix("/") ? file : URL(fileURLWithPath: directory).appendingPathComponent(file).standardizedFileURL.path
            }
        }
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidates = Self.defaultFileNames.map { current.appendingPathComponent($0).path }
            if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                return [found]
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }

    func loadOptions(strict: Bool) throws -> StackLoadOptions {
        guard let files = located() else {
            throw ValidationError("no stack file given and none of \(Self.defaultFileNames.joined(separator: ", ")) in \(FileManager.default.currentDirectoryPath) or its parents; use -f FILE")
        }
        return StackLoadOptions(
            files: files, envFiles: envFiles, profiles: profiles, projectName: projectName, strict: strict,
            environment: ProcessInfo.processInfo.environment)
    }

    /// Loads the stack, writing warnings to stderr (unless `quiet`: a verb that only needs the
    /// stack's name); on errors writes them all and exits 2.
    func load(strict: Bool, quiet: Bool = false) throws -> LoadedStack {
        let options = try loadOptions(strict: strict)
        do {
            let loaded = try StackLoader.load(options)
            if !quiet { DiagnosticPrinter.write(loaded.warnings) }
            return loaded
        } catch {
            DiagnosticPrinter.write(error.diagnostics)
            let count = error.errors.count
            DiagnosticPrinter.writeLine("aicore-node: \(count) error\(count == 1 ? "" : "s") in \(options.files.joined(separator: ", "))")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }

    /// The stack named by `-p`, `-f` or a Compose file here; nil when none says.
    func stackName() throws -> String? {
        if let projectName { return projectName }
        guard located() != nil else { return nil }
        return try load(strict: false, quiet: true).stack.name
    }

    /// The stack a verb means: `stackName()`, else the only stack on the node.
    func resolve(_ client: AgentClient) async throws -> String {
        if let name = try stackName() { return name }
        let stacks = try await client.call("GET", "/v1/stacks", as: [StackStatus].self)
        switch stacks.count {
        case 0: throw CLIFailure.failed("no stack runs on this node; `aicore-node up -f FILE` starts one")
        case 1: return stacks[0].name
        default: throw CLIFailure.invalid("several stacks run here (\(stacks.map(\.name).joined(separator: ", "))); pick one with -p NAME")
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
