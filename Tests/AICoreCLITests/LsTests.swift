import AICoreServer
import AICoreStore
import ArgumentParser
import Testing
@testable import AICoreCLI

/// `ls` reads its line and shows the stacks as `docker compose ls` does.
@Suite struct LsTests {
    @Test func lsTakesAllQuietAndFormat() throws {
        let ls = try Ls.parse(["-a", "-q", "--format", "json"])
        #expect(ls.all && ls.quiet && ls.format == .json)
        #expect(throws: (any Error).self) { try Ls.parse(["--format", "yaml"]) }
    }

    static func instance(_ stack: String, _ replica: Int, _ state: InstanceState, desired: DesiredState = .running) -> InstanceStatus {
        InstanceStatus(id: "\(stack)-web-\(replica)", stack: stack, service: "web", replica: replica, state: state, desired: desired,
                       health: nil, ready: false, pid: nil, restarts: 0, lastExit: nil, lastExitCode: nil, lastExitAt: nil,
                       startedAt: nil, ports: [], cgroup: nil, reason: nil)
    }

    static func stack(_ name: String, files: [String]? = nil) -> StackStatus {
        StackStatus(name: name, revision: 1, updatedAt: nil, operation: nil, services: [], converged: true, configFiles: files)
    }

    @Test func lsCountsInstancesByComposeStateAndHidesStacksWithNothingRunning() {
        let stacks = [Self.stack("shop", files: ["/srv/shop/compose.yml", "/srv/shop/compose.override.yml"]), Self.stack("idle"),
                      Self.stack("frozen")]
        let instances = [
            Self.instance("shop", 1, .healthy), Self.instance("shop", 2, .starting), Self.instance("shop", 3, .exited, desired: .stopped),
            Self.instance("shop", 4, .backoff), Self.instance("idle", 1, .failed), Self.instance("frozen", 1, .paused),
        ]
        #expect(Ls.rows(stacks, instances: instances, all: false) == [
            Ls.Row(name: "frozen", status: "paused(1)", configFiles: ""),
            Ls.Row(name: "shop", status: "exited(1), restarting(1), running(2)",
                   configFiles: "/srv/shop/compose.yml,/srv/shop/compose.override.yml"),
        ])
        #expect(Ls.rows(stacks, instances: instances, all: true).map(\.name) == ["frozen", "idle", "shop"])
        #expect(Ls.rows(stacks, instances: instances, all: true)[1].status == "exited(1)")
    }
}
