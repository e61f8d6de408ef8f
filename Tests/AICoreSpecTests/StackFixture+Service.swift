import AICoreSpec
import Foundation

/// Shortcuts for specifications that look at one service.
extension StackFixture {
    /// The first lines of every single-service stack: `services:`, `  api:`, `    command: sleep 1`.
    static let apiHeader = "services:\n  api:\n    command: sleep 1\n"

    /// The fixture directory as the loader sees it (standardized), against which relative paths resolve.
    var baseDirectory: String {
        URL(fileURLWithPath: directory).standardizedFileURL.path
    }

    /// Loads a stack whose service `api` runs `sleep 1` and has `keys` too. `keys` are written as
    /// at the service level, without indentation: `"ports: [\"80\"]"`. Extra top-level YAML
    /// (volumes, other services) goes in `topLevel`.
    func service(
        _ keys: String, topLevel: String = "", environment: [String: String] = [:]
    ) throws -> Service {
        let indented = keys.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }
            .joined(separator: "\n")
        let loaded = try load(yaml: Self.apiHeader + indented + "\n" + topLevel, environment: environment)
        guard let service = loaded.stack.service(named: "api") else {
            throw StackLoadError(diagnostics: [.error("service api is missing", at: nil, path: "")])
        }
        return service
    }

    /// The findings of loading `files` that failed, or an empty list when loading succeeded.
    func errors(loading files: [String], strict: Bool = false) -> [Diagnostic] {
        do {
            _ = try load(files, strict: strict)
            return []
        } catch {
            return error.errors
        }
    }
}
