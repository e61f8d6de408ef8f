import AICoreServer
import AICoreSpec
import ArgumentParser
import Foundation

/// Which stack a command means: `-p NAME`, else the `name` of `-f FILE` (or a compose file
/// here), else the only stack on the node.
struct StackSelection: ParsableArguments {
    @Option(name: [.short, .customLong("project-name")], help: "The stack.")
    var projectName: String?

    @Option(name: .customLong("file"), help: "A stack file whose stack is meant (its `name`).")
    var files: [String] = []

    func resolve(_ client: AgentClient) async throws -> String {
        if let projectName { return projectName }
        let fromFile = files.isEmpty ? StackFileOptions.defaultFileNames.first { FileManager.default.fileExists(atPath: $0) }.map { [$0] } : files
        if let fromFile {
            var options = StackFileOptions()
            options.files = fromFile
            return try options.load(strict: false).stack.name
        }
        let stacks = try await client.call("GET", "/v1/stacks", as: [StackStatus].self)
        switch stacks.count {
        case 0: throw CLIFailure.failed("no stack runs on this node; `aicore-node up -f FILE` starts one")
        case 1: return stacks[0].name
        default: throw CLIFailure.invalid("several stacks run here (\(stacks.map(\.name).joined(separator: ", "))); pick one with -p NAME")
        }
    }
}
