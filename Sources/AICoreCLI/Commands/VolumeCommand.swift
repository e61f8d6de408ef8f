import ArgumentParser

/// `aicore-node volume`: the named volumes on the node, as `docker volume` has them.
struct VolumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "List, inspect and remove named volumes.",
        discussion: """
            A stack's named volume is a directory `<stack>_<key>` under the agent's state \
            directory, made before the first service that mounts it starts. It outlives a plain \
            `down`: `down -v` removes a stack's volumes (also after the stack went down), \
            `volume rm` one that no stack on the node uses, and `volume prune` every volume of \
            a stack that is no longer on the node.

              aicore-node volume ls -p mystack
              aicore-node volume rm mystack_pgdata
              aicore-node volume prune -f
            """,
        subcommands: [Ls.self, Inspect.self, Rm.self, Prune.self]
    )

    /// Runs `body` for every name, going on after a failure as `docker volume rm a b` does;
    /// then fails with every failure, one line each: exit 2 when each was the user's mistake
    /// (no such volume), else 1.
    static func each(_ names: [String], _ body: (String) async throws -> Void) async throws {
        var failures: [CLIFailure] = []
        for name in names {
            do {
                try await body(name)
            } catch let failure as CLIFailure {
                failures.append(failure)
            }
        }
        guard let last = failures.last else { return }
        let code = failures.contains { $0.code != ExitStatus.invalidInput } ? ExitStatus.failure : ExitStatus.invalidInput
        throw CLIFailure(message: last.message, code: code, details: failures.dropLast().map { "aicore-node: \($0.message)" })
    }
}
