import AICoreSpec
import Foundation

/// Writes stack files into a fresh temporary directory and loads them, for tests.
struct StackFixture {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "aicore-spec-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes `text` as `name` in the fixture directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `hostPathExists` stands for this host's filesystem (mount targets are checked against it):
    /// by default every path exists, so a test does not depend on this machine's directories.
    func load(
        _ names: [String] = ["stack.yml"], environment: [String: String] = [:], profiles: [String] = [],
        envFiles: [String] = [], strict: Bool = false, projectName: String? = nil,
        hostPathExists: @escaping @Sendable (String) -> Bool = { _ in true },
        hostSymlink: @escaping @Sendable (String) -> HostSymlink? = { _ in nil }
    ) throws(StackLoadError) -> LoadedStack {
        var options = StackLoadOptions(
            files: names.map { directory + "/" + $0 }, envFiles: envFiles.map { directory + "/" + $0 },
            profiles: profiles, projectName: projectName, strict: strict, environment: environment)
        options.hostPathExists = hostPathExists
        options.hostSymlink = hostSymlink
        return try StackLoader.load(options)
    }

    /// Writes `stack.yml` and loads it.
    func load(
        yaml: String, environment: [String: String] = [:], strict: Bool = false,
        hostPathExists: @escaping @Sendable (String) -> Bool = { _ in true },
        hostSymlink: @escaping @Sendable (String) -> HostSymlink? = { _ in nil }
    ) throws(StackLoadError) -> LoadedStack {
        do {
            try write("stack.yml", yaml)
        } catch {
            throw StackLoadError(diagnostics: [.error("cannot write fixture: \(error)", at: nil, path: "")])
        }
        return try load(environment: environment, strict: strict, hostPathExists: hostPathExists, hostSymlink: hostSymlink)
    }

    /// Loads `yaml`, expecting failure; returns the errors.
    func errors(yaml: String, environment: [String: String] = [:], strict: Bool = false) -> [Diagnostic] {
        do {
            _ = try load(yaml: yaml, environment: environment, strict: strict)
            return []
        } catch {
            return error.errors
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The fixtures bundled with the test target.
    static var resources: String {
        Bundle.module.resourcePath.map { $0 + "/Fixtures" } ?? "Tests/AICoreSpecTests/Fixtures"
    }
}
