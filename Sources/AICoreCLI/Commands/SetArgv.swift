import AICoreServer
import ArgumentParser

extension SetCommand {
    /// `aicore-node set command SERVICE -- ARGV…`.
    struct Argv: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "command",
            abstract: "Set a service's command, and roll the change out.",
            discussion: """
                The command and its arguments come after `--`, as they are (no shell; run \
                `/bin/sh -c '…'` for one).

                  aicore-node set command worker -- /srv/worker --queue high
                """
        )

        @OptionGroup var target: ServiceTarget

        @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "ARGV"))
        var command: [String] = []

        func validate() throws {
            guard let program = command.first, !program.isEmpty else {
                throw ValidationError("give the command after --, e.g. set command worker -- /srv/worker --queue high")
            }
        }

        func run() async throws {
            try await target.update(ServiceUpdateRequest(command: command), done: "command set")
        }
    }
}
