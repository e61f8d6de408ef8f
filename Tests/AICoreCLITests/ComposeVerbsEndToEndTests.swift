import AICoreOS
import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// `ls`, `pause`, `unpause`, `kill`, `wait` and `rm` against one real agent and a real stack of
/// small host processes, run from the project directory as a Compose user types them (and with
/// `-p` and `--file`). One agent for every check: starting one is the slow part.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct ComposeVerbsEndToEndTests {
    static let compose = """
        name: verbs
        services:
          web:
            # Exits 3 on SIGUSR1; `restart: no` leaves it exited.
            command: ["/bin/sh", "-c", "trap 'exit 3' USR1; while :; do /bin/sleep 0.2; done"]
            restart: "no"
            deploy:
              replicas: 2
          worker:
            command: ["/bin/sleep", "600"]
            restart: always
        """

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// The instance's processes as the kernel holds them: its cgroup's freezer state (v1
    /// `freezer.state`, v2 `cgroup.events` frozen), or nil when it has no cgroup.
    static func frozen(_ instance: InstanceStatus) throws -> Bool? {
        guard let cgroup = instance.cgroup else { return nil }
        let manager = try CgroupDetection.detect()
        return try manager.isFrozen(try manager.handle(for: cgroup))
    }

    /// `State:` of /proc/PID/status, its letter.
    static func processState(_ pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("State:") }?
            .dropFirst("State:".count).trimmingCharacters(in: .whitespaces).first.map(String.init)
    }

    @Test func pauseKillWaitRmAndLsDoWhatComposeUsersExpect() async throws {
        try await AgentHarness.with { harness in
            let project = try ComposeProjectCLITests.project("verbs", in: harness, compose: Self.compose)
            func cli(_ arguments: String...) async throws -> CommandRunner.Result {
                try await harness.cli(arguments, in: project)
            }
            let up = try await cli("up", "-d", "--wait")
            try #require(up.status == 0, "\(up.stdout)\(up.stderr)")

            // ls: the stack, Compose's status and the file it came from.
            let ls = try await cli("ls")
            #expect(ls.status == 0, "\(ls.stderr)")
            #expect(Self.lines(ls.stdout).first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATUS", "CONFIG", "FILES"])
            let row = Self.lines(ls.stdout).dropFirst().first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(row == ["verbs", "running(3)", project + "/compose.yml"], "\(ls.stdout)")
            #expect(try await harness.cli(["ls", "-q"]).stdout == "verbs\n")

            // stats --no-stream: one sample of each running instance.
            let stats = try await cli("stats", "--no-stream")
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(Self.lines(stats.stdout).first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "CPU", "%", "MEM", "USAGE", "PIDS"])
            #expect(Self.lines(stats.stdout).dropFirst().map { String($0.prefix { $0 != " " }) } == ["verbs-web-1", "verbs-web-2", "verbs-worker-1"])
            let json = try await cli("stats", "--no-stream", "--format", "json", "worker")
            #expect(json.stdout.hasPrefix("{\"CPUPerc\":") && Self.lines(json.stdout).count == 1 && json.stdout.contains("\"Name\":\"verbs-worker-1\""), "\(json)")

            // pause: frozen for real, shown paused, not ready, not restarted.
            let pause = try await cli("pause", "web")
            #expect(pause.status == 0 && pause.stdout == "paused verbs-web-1\npaused verbs-web-2\n", "\(pause)")
            let paused = try await harness.instances("verbs").filter { $0.service == "web" }
            #expect(paused.map(\.state) == [.paused, .paused])
            #expect(paused.allSatisfy { !$0.ready })
            for instance in paused {
                #expect(try Self.frozen(instance) == true, "\(instance.id)'s cgroup is frozen")
                let pid = try #require(instance.pid)
                let state = Self.processState(pid)
                #expect(state != nil && state != "R", "\(instance.id)'s init is frozen, not running: \(state ?? "?")")
            }
            // An agent restart re-adopts them paused (the kernel's freezer says so), not as
            // running instances whose checks would time out.
            await harness.terminate()
            try await harness.start()
            let adopted = try await harness.instances("verbs").filter { $0.service == "web" }
            #expect(adopted.map(\.state) == [.paused, .paused])
            #expect(adopted.map(\.pid) == paused.map(\.pid), "the same processes, not restarted")
            #expect(try adopted.allSatisfy { try Self.frozen($0) == true })
            let ps = try await cli("ps")
            #expect(Self.lines(ps.stdout).filter { $0.hasPrefix("verbs-web-") }.allSatisfy { $0.contains(" paused ") }, "\(ps.stdout)")
            #expect(Self.lines(try await cli("ls").stdout).last?.contains("paused(2), running(1)") == true)

            // A signal the init cannot forward is refused in one line; an unknown service too.
            let winch = try await cli("kill", "-s", "WINCH", "web")
            #expect(winch.status == 2)
            #expect(winch.stderr == "aicore-node: an instance takes only SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT (forwarded to its workload by its init) and SIGKILL, not SIGWINCH; `pause` freezes it\n", "\(winch.stderr)")
            for verb in ["kill", "pause", "unpause", "rm", "wait"] {
                let unknown = try await harness.cli([verb, "-p", "verbs", "nope"] + (verb == "rm" ? ["-f"] : []))
                #expect(unknown.status == 2, "\(verb): \(unknown)")
                #expect(unknown.stderr == "aicore-node: stack verbs has no service nope; it has web, worker\n", "\(verb): \(unknown.stderr)")
            }

            let unpause = try await harness.cli(["unpause", "--file", project + "/compose.yml", "web"])
            #expect(unpause.status == 0 && unpause.stdout == "unpaused verbs-web-1\nunpaused verbs-web-2\n", "\(unpause)")
            let resumed = try await harness.instances("verbs").filter { $0.service == "web" }
            #expect(resumed.map(\.state) == [.running, .running])
            #expect(try resumed.allSatisfy { try Self.frozen($0) == false })

            // kill -s USR1: delivered; the workload exits 3 of it; wait prints each exit and
            // exits with the first one's code.
            let usr1 = try await cli("kill", "-s", "USR1", "web")
            #expect(usr1.stdout == "killed verbs-web-1\nkilled verbs-web-2\n", "\(usr1)")
            let wait = try await cli("wait", "web")
            #expect(wait.status == 3, "\(wait)")
            #expect(wait.stdout == "verbs-web-1 3\nverbs-web-2 3\n", "\(wait.stdout)")

            // kill (SIGKILL): stopped for good despite `restart: always`, as docker kill.
            let kill = try await cli("kill", "worker")
            #expect(kill.stdout == "killed verbs-worker-1\n", "\(kill)")
            #expect(try await cli("wait", "-p", "verbs", "worker").stdout == "verbs-worker-1 137\n")
            let worker = try #require(try await harness.instances("verbs").first { $0.service == "worker" })
            #expect(worker.state == .exited && worker.desired == .stopped, "\(worker.state) \(worker.desired)")
            #expect(Self.lines(try await cli("ls", "-a").stdout).last?.contains("exited(3)") == true)
            #expect(try await cli("ls").stdout == "NAME  STATUS  CONFIG FILES\n", "nothing runs: hidden without -a")

            // rm: asks (and refuses a stdin that is no terminal), then removes with -f.
            let ask = try await cli("rm", "web")
            #expect(ask.status == 2)
            #expect(ask.stderr == "aicore-node: rm asks before it removes anything and stdin is not a terminal; pass -f to remove without asking\n")
            let rm = try await cli("rm", "-f")
            #expect(rm.status == 0, "\(rm)")
            #expect(rm.stdout == "removed verbs-web-1\nremoved verbs-web-2\nremoved verbs-worker-1\n", "\(rm.stdout)")
            #expect(try await harness.instances("verbs").isEmpty)
            #expect(try await cli("rm", "-f").stdout == "No stopped instances\n")

            // up makes them afresh; rm -s stops a running one first.
            #expect(try await cli("up", "-d", "--wait").status == 0)
            let stopFirst = try await cli("rm", "-f", "-s", "worker")
            #expect(stopFirst.stdout == "removed verbs-worker-1\n", "\(stopFirst)")

            // wait --down-project: the stack goes at the first exit.
            #expect(try await cli("kill", "-s", "USR1", "web").status == 0)
            let down = try await cli("wait", "--down-project", "web")
            #expect(down.status == 3, "\(down)")
            #expect(Self.lines(down.stdout).last == "stack verbs: down", "\(down.stdout)")
            #expect(try await harness.cli(["ls", "-a", "-q"]).stdout.isEmpty)

            // up --scale overrides the file's replicas; --force-recreate replaces what did not change.
            let scaled = try await cli("up", "-d", "--wait", "--scale", "worker=2", "--scale", "web=1")
            #expect(scaled.status == 0, "\(scaled)")
            let counts = Dictionary(grouping: try await harness.instances("verbs"), by: \.service).mapValues(\.count)
            #expect(counts == ["web": 1, "worker": 2], "\(counts)")
            let pids = Set(try await harness.instances("verbs").compactMap(\.pid))
            let recreated = try await cli("up", "-d", "--wait", "--scale", "worker=2", "--scale", "web=1", "--force-recreate", "--remove-orphans")
            #expect(recreated.status == 0 && recreated.stdout.contains("web: recreating") && recreated.stdout.contains("worker: recreating"), "\(recreated)")
            try await waitUntil("every instance was replaced") {
                let now = try await harness.instances("verbs").filter { $0.state == .running }
                return now.count == 3 && Set(now.compactMap(\.pid)).isDisjoint(with: pids)
            }
            let unknown = try await cli("up", "-d", "--scale", "db=1")
            #expect(unknown.status != 0 && unknown.stderr.contains("the stack has no service db"), "\(unknown)")
            #expect(try await cli("down").status == 0)

            // create (up --no-start): every instance recorded, none started; start starts them.
            let create = try await cli("create")
            #expect(create.status == 0 && create.stdout == "created verbs-web-1\ncreated verbs-web-2\ncreated verbs-worker-1\n", "\(create)")
            let made = try await harness.instances("verbs")
            #expect(made.count == 3 && made.allSatisfy { $0.state == .created && $0.desired == .stopped && $0.pid == nil }, "\(made)")
            // start and stop with no service: every service of the stack, as Compose's.
            let start = try await cli("start")
            #expect(start.status == 0 && start.stdout == "web: starting\nworker: starting\n", "\(start)")
            try await waitUntil("start starts what create made") {
                try await harness.instances("verbs").filter { $0.state == .running }.count == 3
            }
            let stop = try await cli("stop")
            #expect(stop.status == 0 && Set(Self.lines(stop.stdout)) == ["stopped verbs-web-1", "stopped verbs-web-2", "stopped verbs-worker-1"],
                    "\(stop)")
            #expect(try await harness.instances("verbs").allSatisfy { $0.desired == .stopped && $0.state != .running })
            #expect(try await cli("down").status == 0)
        }
    }
}
