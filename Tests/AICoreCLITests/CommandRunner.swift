import AICoreTestSupport
import Foundation

/// Runs the real `aicore-node` binary, built beside the test bundle, and captures its output.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built binary: the test bundle lives in the same build directory.
    static var binary: String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("aicore-node").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/aicore-node").path
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> Result {
        let output = try ChildProcess.run(binary, arguments, environment: environment, directory: directory)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}
