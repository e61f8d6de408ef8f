import ArgumentParser

/// `aicore-node set`: change one service's spec on the agent and roll the change out.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a service's environment, image or command, and roll the change out.",
        discussion: """
            The change is made to the stack on the agent (a new stack revision; the stack file is \
            not touched, so the next `up` of an unchanged file puts it back) and rolled out a few \
            replicas at a time under the service's rollout policy. `rollout status` follows it, \
            `rollout undo` takes it back.

              aicore-node set env api LOG_LEVEL=debug FEATURE_X-
              aicore-node set image api registry.example/api:1.4
              aicore-node set command worker -- /srv/worker --queue high
            """,
        subcommands: [Env.self, Image.self, Argv.self]
    )
}
