import ArgumentParser

/// `aicore-node rollout`: follow and steer how a change to a service is rolled out.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Follow, pause, resume, undo or restart a service's rollout, and list its revisions.",
        discussion: """
            A change to a service (`up` with a changed spec, `set env|image|command`, `rollout \
            restart`) replaces its replicas a few at a time under its rollout policy \
            (`x-aicore.rollout` or `deploy.update_config`), and records a new revision of the \
            service. A rollout that fails is rolled back (or paused) as the policy says.

              aicore-node set image api registry.example/api:1.4
              aicore-node rollout status api
              aicore-node rollout undo api
            """,
        subcommands: [Status.self, History.self, Undo.self, Pause.self, Resume.self, Restart.self]
    )
}
