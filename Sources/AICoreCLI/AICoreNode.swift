import AICoreServer
import ArgumentParser

/// `aicore-node`: a small orchestrator for one Linux host, with Compose verbs.
public struct AICoreNode: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aicore-node",
        abstract: "Run compose-described stacks on one Linux host, isolated and supervised, without a container daemon.",
        discussion: """
            Stack files use the Compose Specification, plus `x-aicore` keys for probes, rollouts, \
            autoscaling and disruption budgets. See docs/spec-reference.md.

            `aicore-node doctor` checks a host before the first stack: nftables, a host firewall that \
            would drop the instances' traffic, forwarding, kernel support and cgroups.

            Exit codes: 0 ok, 1 the operation failed, 2 invalid input; `run` exits like `docker run` \
            (the workload's status, 125 when aicore-node itself fails).
            """,
        version: AICoreVersion.current,
        subcommands: [Up.self, Down.self, Ps.self, Ls.self, Logs.self, Scale.self, Restart.self, Stop.self, Start.self, Kill.self, Pause.self,
                      Unpause.self, Rm.self, Wait.self, RolloutCommand.self, Build.self, Create.self,
                      SetCommand.self, Exec.self, Cp.self, Events.self, Inspect.self, Top.self, Stats.self, VolumeCommand.self, ImageCommand.self, Images.self, Pull.self, Login.self, Logout.self, ConfigCommand.self, Run.self,
                      AgentCommand.self, ProxyCommand.self, Supervise.self, Routes.self, Port.self, Version.self, Doctor.self]
    )

    public init() {}
}
