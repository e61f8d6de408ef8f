import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// The everyday loop of a Compose user: every verb run from a project directory that holds
/// `compose.yml` (no -p, no -f), then with `-f` and with `-p`, against a real agent. Messages and
/// exit codes are what a user reads, checked exactly.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, mounts"))
struct ComposeProjectCLITests {
    /// A project directory under the harness's, holding `compose.yml`.
    static func project(_ name: String, in harness: AgentHarness, compose: String) throws -> String {
        let directory = harness.directory + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try compose.write(toFile: directory + "/compose.yml", atomically: true, encoding: .utf8)
        return directory
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func everyVerbWorksFromTheProjectDirectoryWithoutFlags() async throws {
        try await AgentHarness.with { harness in
            let port = try TestPort.next()
            let project = try Self.project("myproject", in: harness, compose: """
                name: myproject
                services:
                  web:
                    command: ["/bin/sh", "-c", "echo hello from $$AICORE_INSTANCE; exec /bin/sleep 600"]
                    ports: ["\(port):8000"]
                    deploy:
                      replicas: 2
                """)
            // A subdirectory finds the file in its parent, as docker compose does.
            let nested = project + "/src/app"
            try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
            func cli(_ arguments: String..., in directory: String? = nil) async throws -> CommandRunner.Result {
                try await harness.cli(arguments, in: directory ?? project)
            }

            let up = try await cli("up", "-d", "--wait")
            try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
            #expect(Self.lines(up.stdout).first == "stack myproject: revision 1, 2 to start, 0 to stop")
            #expect(Self.lines(up.stdout).last == "stack myproject: every service is up")

            let ps = try await cli("ps")
            #expect(ps.status == 0, "\(ps.stderr)")
            let rows = Self.lines(ps.stdout)
            #expect(rows.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                    == ["NAME", "SERVICE", "STATE", "HEALTH", "READY", "RESTARTS", "PORTS", "PID", "STATUS"])
            #expect(rows.count == 3 && rows.dropFirst().allSatisfy { $0.contains("running") && $0.contains("0.0.0.0:\(port)->8000/tcp") },
                    "PORTS in Compose's form: \(ps.stdout)")
            // Compose's ps flags, as scripts use them.
            #expect(try await cli("ps", "-q").stdout == "myproject-web-1\nmyproject-web-2\n")
            #expect(try await cli("ps", "--services").stdout == "web\n")
            #expect(Self.lines(try await cli("ps", "web").stdout).count == 3)
            #expect(try await cli("ps", "-q", "--status", "running").stdout == "myproject-web-1\nmyproject-web-2\n")
            #expect(try await cli("ps", "-q", "--filter", "status=exited").stdout.isEmpty)
            let noService = try await cli("ps", "api")
            #expect(noService.status == 2 && noService.stderr == "aicore-node: no instance of a service api in stack myproject; it has web\n", "\(noService)")
            let badStatus = try await cli("ps", "--status", "dead")
            #expect(badStatus.status == 2 && badStatus.stderr == "aicore-node: --status dead: expected one of running, paused, restarting, exited, created\n", "\(badStatus)")

            try await waitUntil("both replicas logged their greeting") {
                let logs = try await cli("logs", "web", in: nested)
                return logs.stdout.contains("myproject-web-1 | hello from myproject-web-1")
                    && logs.stdout.contains("myproject-web-2 | hello from myproject-web-2")
            }
            #expect(try await cli("logs", "web/2").stdout == "hello from myproject-web-2\n")
            // No service: every instance of the stack, as `docker compose logs`; several targets, once each.
            let everything = try await cli("logs")
            #expect(Set(Self.lines(everything.stdout)) == ["myproject-web-1 | hello from myproject-web-1", "myproject-web-2 | hello from myproject-web-2"],
                    "\(everything)")
            #expect(Set(Self.lines(try await cli("logs", "--no-log-prefix", "web/1", "web").stdout))
                    == ["hello from myproject-web-1", "hello from myproject-web-2"])

            let exec = try await cli("exec", "web", "sh", "-c", "echo $AICORE_INSTANCE")
            #expect(exec.status == 0 && exec.stdout == "myproject-web-1\n", "exec SERVICE CMD, no --: \(exec)")
            // Compose's -T (there is never a terminal), -u, -w and -e; KEY alone takes the caller's value.
            let asOther = try await harness.cli(["exec", "-T", "-u", "nobody", "-w", "/tmp", "-e", "MODE=warm", "-e", "FROM_SHELL", "web",
                                                 "sh", "-c", "id -u; pwd; echo $MODE $FROM_SHELL $HOME"],
                                                in: project, environment: ["FROM_SHELL": "shell-value"])
            #expect(asOther.status == 0 && asOther.stdout == "65534\n/tmp\nwarm shell-value /nonexistent\n", "\(asOther)")
            #expect(try await cli("exec", "--index", "2", "web", "sh", "-c", "echo $AICORE_INSTANCE").stdout == "myproject-web-2\n")
            let twice = try await cli("exec", "--index", "2", "web/1", "true")
            #expect(twice.status == 2 && twice.stderr == "aicore-node: give the replica once: web/1 or --index 2\n", "\(twice)")
            let badEnv = try await cli("exec", "-e", "1X=y", "web", "true")
            #expect(badEnv.status != 0 && badEnv.stderr == "aicore-node: --env 1X=y: expected KEY=VALUE with a variable name as KEY\n", "\(badEnv)")
            let status = try await cli("exec", "web/2", "--", "sh", "-c", "exit 3")
            #expect(status.status == 3, "exec exits with the command's status")
            let missing = try await cli("exec", "web", "nosuchcmd")
            #expect(missing.status == 127)
            #expect(missing.stdout.isEmpty && missing.stderr == "aicore-node: exec nosuchcmd: No such file or directory\n", "\(missing)")
            let slow = try await cli("exec", "--timeout", "1", "web", "sh", "-c", "printf partial; exec sleep 30")
            #expect(slow.status == 1)
            #expect(slow.stdout == "partial\n", "the output ends its line before the reason: \(slow.stdout)")
            #expect(slow.stderr == "aicore-node: the command was killed after 1s (its timeout)\n", "\(slow.stderr)")

            let one = try await cli("inspect", "web/1")
            #expect(try ControlAPI.decoder.decode(InstanceStatus.self, from: Data(one.stdout.utf8)).id == "myproject-web-1")
            let both = try await cli("inspect", "web")
            #expect(try ControlAPI.decoder.decode([InstanceStatus].self, from: Data(both.stdout.utf8)).map(\.id)
                    == ["myproject-web-1", "myproject-web-2"])
            // A full instance name names its stack: no -p, from anywhere.
            let anywhere = try await cli("inspect", "myproject-web-2", in: "/")
            #expect(try ControlAPI.decoder.decode(InstanceStatus.self, from: Data(anywhere.stdout.utf8)).id == "myproject-web-2")
            let wrong = try await cli("inspect", "api/1")
            #expect(wrong.status == 2)
            #expect(wrong.stderr == "aicore-node: stack myproject has no service api; it has web\n", "\(wrong.stderr)")
            let noReplica = try await cli("logs", "web/7")
            #expect(noReplica.stderr == "aicore-node: service web of stack myproject has no instance web/7; it has web/1, web/2\n",
                    "\(noReplica.stderr)")

            #expect(try await cli("port", "web", "8000").stdout == "0.0.0.0:\(port)\n")
            let routes = try await cli("routes")
            #expect(routes.stdout.contains("myproject/web:8000") && routes.stdout.contains("0.0.0.0:\(port)"), "\(routes.stdout)")

            let portsBefore = try await harness.instances("myproject").map(\.ports)
            let restart = try await cli("restart", "web")
            #expect(restart.status == 0 && restart.stdout == "web: restarted\n", "\(restart)")
            try await waitUntil("both replicas run again") {
                try await harness.instances("myproject").filter { $0.state == .running }.count == 2
            }
            #expect(try await harness.instances("myproject").map(\.ports) == portsBefore, "a restart keeps each replica's $PORT")

            let scale = try await cli("scale", "web=3")
            #expect(scale.stdout == "web: scaling to 3 (1 to start, 0 to stop)\n", "\(scale)")

            #expect(try await cli("stop", "web").status == 0)
            let stopped = try await cli("ps", "-a")
            #expect(Self.lines(stopped.stdout).dropFirst().allSatisfy { $0.contains(" stopped ") }, "\(stopped.stdout)")
            #expect(try await cli("start", "web").stdout == "web: starting\n")

            let set = try await cli("set", "env", "web", "GREETING=hi")
            #expect(Self.lines(set.stdout).last == "follow the rollout with `aicore-node rollout status web`", "\(set)")
            let rollout = try await cli("rollout", "status", "web", "--timeout", "3m")
            #expect(rollout.status == 0, "\(rollout)")
            #expect(Self.lines(rollout.stdout).last?.hasPrefix("rollout of web to revision ") == true, "\(rollout.stdout)")
            #expect(try await cli("rollout", "history", "web").status == 0)

            let version = try await cli("version")
            #expect(version.stdout == "aicore-node version \(AICoreVersion.current)\nagent version \(AICoreVersion.current) (API v1)\n")

            let down = try await cli("down", in: nested)
            #expect(down.status == 0, "\(down.stderr)")
            #expect(Self.lines(down.stdout).last == "stack myproject: down")
            #expect(try await harness.instances("myproject").isEmpty)
            // Nothing of the stack is left in the agent's run directory (no state dir, no socket).
            let left = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory + "/run/instances")) ?? []
            #expect(left.isEmpty, "\(left)")
        }
    }

    /// `up --profile debug` runs the services of that profile, and they stay the stack's across
    /// an agent restart (which reloads the stored revision with no profile active).
    @Test func upWithAProfileRunsItsServicesAndARestartedAgentKeepsThem() async throws {
        try await AgentHarness.with { harness in
            let project = try Self.project("profiled", in: harness, compose: """
                name: profiled
                services:
                  web:
                    command: ["/bin/sleep", "600"]
                  debug:
                    command: ["/bin/sleep", "600"]
                    profiles: [debug]
                  trace:
                    command: ["/bin/sleep", "600"]
                    profiles: [trace]
                """)
            let up = try await harness.cli(["up", "-d", "--wait", "--profile", "debug"], in: project)
            #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
            #expect(try await harness.instances("profiled").map(\.service).sorted() == ["debug", "web"])
            await harness.terminate()
            try await harness.start()
            try await waitUntil("both services run again under the restarted agent") {
                try await harness.instances("profiled").filter { $0.state == .running }.map(\.service).sorted() == ["debug", "web"]
            }
            #expect(try await harness.cli(["down"], in: project).status == 0)
        }
    }

    /// `up SERVICE…`: those services and what they depend on (unless --no-deps); every other
    /// service stays as it runs, or absent, whatever the file now says of it.
    @Test func upWithServicesStartsOnlyThoseAndLeavesTheOthersAsTheyRun() async throws {
        try await AgentHarness.with { harness in
            func compose(apiSeconds: Int) -> String {
                """
                name: partial
                services:
                  db:
                    command: ["/bin/sleep", "600"]
                  api:
                    command: ["/bin/sleep", "\(apiSeconds)"]
                    depends_on: [db]
                  worker:
                    command: ["/bin/sleep", "600"]
                """
            }
            let project = try Self.project("partial", in: harness, compose: compose(apiSeconds: 600))
            func cli(_ arguments: String...) async throws -> CommandRunner.Result {
                try await harness.cli(arguments, in: project)
            }
            func running() async throws -> [String: Int32] {
                Dictionary(uniqueKeysWithValues: try await harness.instances("partial").filter { $0.state == .running }
                    .compactMap { instance in instance.pid.map { (instance.service, $0) } })
            }
            let first = try await cli("up", "-d", "--wait", "api")
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            let before = try await running()
            #expect(before.keys.sorted() == ["api", "db"], "api and the db it depends on; not worker")

            // The file changes api, but `up worker` touches worker only.
            try compose(apiSeconds: 601).write(toFile: project + "/compose.yml", atomically: true, encoding: .utf8)
            let second = try await cli("up", "-d", "--wait", "--no-deps", "worker")
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            let after = try await running()
            #expect(after.keys.sorted() == ["api", "db", "worker"])
            #expect(after["api"] == before["api"] && after["db"] == before["db"], "api and db ran on untouched")

            // `up` of the whole file now replaces api with the changed spec.
            #expect(try await cli("up", "-d", "--wait").status == 0)
            try await waitUntil("api runs the file's new command") {
                let now = try await running()
                return now["api"] != nil && now["api"] != before["api"] && now["db"] == before["db"]
            }
            let unknown = try await cli("up", "-d", "nope")
            #expect(unknown.status == 2 && unknown.stderr == "aicore-node: the stack has no service nope; it has api, db, worker\n", "\(unknown)")
            #expect(try await cli("down").status == 0)
        }
    }

    @Test func dashFAndDashPNameTheStackAndAPortClashIsRefused() async throws {
        try await AgentHarness.with { harness in
            let port = try TestPort.next()
            let directory = try Self.project("work", in: harness, compose: """
                name: first
                services:
                  web:
                    command: ["/bin/sleep", "600"]
                    ports: ["\(port):8000"]
                  big:
                    command: ["/bin/sleep", "600"]
                    deploy:
                      replicas: 0
                      resources:
                        reservations: {memory: 100000G}
                """)
            try """
                name: second
                services:
                  api:
                    command: ["/bin/sleep", "600"]
                    ports:
                      - "127.0.0.1:\(port):9000"
                """.write(toFile: directory + "/other.yml", atomically: true, encoding: .utf8)
            try #require(try await harness.cli(["up", "-d", "--wait"], in: directory).status == 0)

            // The second stack wants the port the first publishes: refused, located, nothing done.
            let clash = try await harness.cli(["up", "-d", "-f", "other.yml"], in: directory)
            #expect(clash.status == 1)
            #expect(Self.lines(clash.stderr) == [
                "other.yml:6:9: error: services.api.ports[0]: host port 127.0.0.1:\(port)/tcp is already published by stack first (service web, 0.0.0.0:\(port)/tcp)",
                "aicore-node: stack second cannot publish its ports: host port 127.0.0.1:\(port)/tcp is already published by stack first (service web, 0.0.0.0:\(port)/tcp)",
            ], "\(clash.stderr)")
            let none = try await harness.cli(["ps", "-a", "-f", "other.yml"], in: directory)
            #expect(Self.lines(none.stdout).count == 1, "nothing of stack second was created: \(none.stdout)")

            // On another port it runs; -f and -p pick it out from the directory of both.
            try String(contentsOfFile: directory + "/other.yml", encoding: .utf8)
                .replacingOccurrences(of: "\(port):9000", with: "\(try TestPort.next()):9000")
                .write(toFile: directory + "/other.yml", atomically: true, encoding: .utf8)
            #expect(try await harness.cli(["up", "-d", "--wait", "-f", "other.yml"], in: directory).status == 0)
            let byFile = try await harness.cli(["ps", "-f", "other.yml"], in: directory)
            #expect(Self.lines(byFile.stdout).dropFirst().map { String($0.prefix(while: { $0 != " " })) } == ["second-api-1"])
            let byName = try await harness.cli(["ps", "-p", "second"], in: directory)
            #expect(byName.stdout == byFile.stdout)
            let here = try await harness.cli(["ps"], in: directory)
            #expect(Self.lines(here.stdout).dropFirst().map { String($0.prefix(while: { $0 != " " })) } == ["first-web-1"],
                    "compose.yml here means stack first: \(here.stdout)")
            #expect(try await harness.cli(["exec", "-p", "second", "api", "true"], in: directory).status == 0)

            // A replica that does not fit on the node is pending, and scale says why.
            let scale = try await harness.cli(["scale", "big=1"], in: directory)
            #expect(scale.status == 0, "\(scale.stderr)")
            let said = Self.lines(scale.stdout)
            #expect(said.first == "big: scaling to 1 (0 to start, 0 to stop, 1 pending)", "\(scale.stdout)")
            #expect(said.count == 2 && said[1].hasPrefix("  first-big-1 pending: "), "\(scale.stdout)")
            #expect(try await harness.cli(["down", "-f", "other.yml"], in: directory).status == 0)
            #expect(try await harness.cli(["down", "-p", "first"], in: "/").status == 0)
        }
    }

    @Test func aFailedFirstRevisionThenACorrectedFileRunsAndItsEvidenceStays() async throws {
        try await AgentHarness.with { harness in
            // A healthcheck makes "up" mean "passed a check": without one, an instance counts as
            // up while it runs, and one that fails at once may still run at `--wait`'s poll (as
            // with `docker compose up --wait`), which made this test flaky on a loaded machine.
            func compose(_ command: String) -> String {
                """
                name: fixme
                services:
                  web:
                    command: ["/bin/sh", "-c", "\(command)"]
                    healthcheck:
                      test: ["CMD", "true"]
                      interval: 200ms
                    deploy:
                      replicas: 2
                """
            }
            let directory = try Self.project("fixme", in: harness, compose: compose("echo starting; echo Traceback: boom 1 >&2; exit 1"))
            let first = try await harness.cli(["up", "-d", "--wait"], in: directory)
            #expect(first.status == 1)
            // `--wait` gives up as soon as one replica has failed, the other maybe a moment later.
            #expect(first.stderr.hasPrefix("aicore-node: stack fixme failed: service web has "), "\(first.stderr)")
            #expect(first.stderr.contains(" failed instance(s); `aicore-node ps -a` and `logs web` say why"), "\(first.stderr)")
            // What each process last said is in ps's STATUS.
            try await waitUntil("both replicas show how they failed") {
                let rows = Self.lines(try await harness.cli(["ps", "-a"], in: directory).stdout).dropFirst()
                return rows.count == 2 && rows.allSatisfy { $0.hasSuffix("last: Exited (code 1): starting / Traceback: boom 1") }
            }

            // A second revision that fails too: nothing to roll back to, since the first never ran.
            try compose("echo Traceback: boom 2 >&2; exit 1").write(toFile: directory + "/compose.yml", atomically: true, encoding: .utf8)
            let second = try await harness.cli(["up", "-d", "--wait"], in: directory)
            #expect(second.status == 1)
            #expect(second.stderr.contains("not rolled back: no earlier revision of web was ever available"), "\(second.stderr)")

            // The fix supersedes the failed rollout; --wait waits for it, not for what it replaces.
            try compose("echo fixed; exec /bin/sleep 600").write(toFile: directory + "/compose.yml", atomically: true, encoding: .utf8)
            let fixed = try await harness.cli(["up", "-d", "--wait"], in: directory)
            #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
            let rollout = try await harness.cli(["rollout", "status", "web", "--no-watch"], in: directory)
            #expect(rollout.status == 0, "\(rollout)")
            #expect(rollout.stdout == "rollout of web to revision 3 complete\n", "\(rollout.stdout)")
            #expect(try await harness.instances("fixme").allSatisfy { $0.state == .healthy && $0.ready })

            // The replaced replicas' output is still there.
            let previous = try await harness.cli(["logs", "--previous", "web"], in: directory)
            #expect(previous.status == 0, "\(previous.stderr)")
            #expect(previous.stderr.contains("| Traceback: boom"), "\(previous.stderr)")
            let gone = try await harness.cli(["logs", "--previous", "web/9"], in: directory)
            #expect(gone.status == 2)
            #expect(gone.stderr.hasPrefix("aicore-node: stack fixme kept no logs of a removed instance web/9; it kept fixme-web-"),
                    "\(gone.stderr)")
        }
    }

    @Test func rolloutStatusAgreesWithWhatRunsAfterARestartBringsAFailedRevisionUp() async throws {
        // Outside /tmp: instances get a private /tmp, and must see the flag the test creates.
        let flag = "/var/tmp/aicore-flag-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: flag) }
        try await AgentHarness.with { harness in
            func compose(_ version: String) -> String {
                """
                name: later
                services:
                  web:
                    command: ["/bin/sh", "-c", "test -f \(flag) || { echo waiting for the flag >&2; exit 1; }; exec /bin/sleep 600"]
                    environment: {VERSION: "\(version)"}
                    deploy:
                      replicas: 2
                """
            }
            let directory = try Self.project("later", in: harness, compose: compose("1"))
            #expect(try await harness.cli(["up", "-d", "--wait"], in: directory).status == 1)
            try compose("2").write(toFile: directory + "/compose.yml", atomically: true, encoding: .utf8)
            #expect(try await harness.cli(["up", "-d", "--wait"], in: directory).status == 1)
            let failed = try await harness.cli(["rollout", "status", "web", "--no-watch"], in: directory)
            #expect(failed.status == 1)
            #expect(failed.stderr.hasPrefix("aicore-node: the rollout of web to revision 2 failed: "), "\(failed.stderr)")

            // What was missing appears; a restart brings the desired revision up, and the
            // rollout's status says so instead of its old failure.
            try #require(FileManager.default.createFile(atPath: flag, contents: Data()))
            #expect(try await harness.cli(["restart", "web"], in: directory).status == 0)
            try await waitUntil("both replicas are ready") {
                try await harness.instances("later").filter(\.ready).count == 2
            }
            let status = try await harness.cli(["rollout", "status", "web", "--no-watch"], in: directory)
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout == "rollout of web to revision 2 complete\n", "\(status.stdout)")
        }
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/run/aicore/aicore.sock"), "a system agent runs here"))
    func withNoAgentTheErrorSaysWhereItLooked() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-nowhere-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "AICORE_HOST")
        let bare = environment
        let ps = try await offload { try CommandRunner.run(["ps"], environment: bare, directory: directory) }
        #expect(ps.status == 1)
        #expect(Self.lines(ps.stderr).count == 1)
        #expect(ps.stderr.hasSuffix("(looked for /run/aicore/aicore.sock and .aicore/aicore.sock in \(directory) and its parents; set --host or $AICORE_HOST)\n"),
                "\(ps.stderr)")
    }
}
