import ArgumentParser

/// Which stack a command means, as `docker compose` decides it: `-p NAME`, else the `name` of
/// the files given with `-f` (or of the Compose file in this directory or the nearest parent),
/// else the only stack on the node.
struct StackSelection: ParsableArguments {
    @OptionGroup var options: StackFileOptions

    var stackFiles: StackFiles { options.stackFiles }

    /// Whether `-p` or `-f` named the stack (hints then repeat `-p STACK`).
    var isExplicit: Bool { stackFiles.isExplicit }

    func resolve(_ client: AgentClient) async throws -> String { try await stackFiles.resolve(client) }
}
