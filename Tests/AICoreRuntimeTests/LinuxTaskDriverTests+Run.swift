import AICoreErrors
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// `run`: health checks and `exec` made by the instance's own init over its exec channel.
extension LinuxTaskDriverTests {
    @Test func runMakesTheProcessInsideTheInstanceAsTheWorkload() async throws {
        let name = TestEnvironment.uniqueName("run")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sleep", "30"], user: "1001"))
        let outcome = try await driver.run(handle, command: ["sh", "-c",
            "readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/net; cat /proc/self/cgroup; echo \"parent $PPID\"; grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff)' /proc/self/status"],
            timeout: .seconds(10), outputLimit: 1 << 16)
        #expect(outcome.ending == .exited(.exited(0)), "\(outcome.output)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        for (i, ns) in ["pid", "mnt", "uts", "ipc", "net"].enumerated() {
            let instanceView = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(handle.pid)/ns/\(ns)")
            #expect(lines.count > i && lines[i] == instanceView, "\(ns): \(outcome.output)")
        }
        if driver.cgroups.version == .v2 {
            // Born of the init, inside its cgroup namespace: the instance's cgroup is its root.
            #expect(lines.contains("0::/"), "\(outcome.output)")
        } else {
            #expect(outcome.output.contains("aicore/test/\(name)"))
        }
        // The init made it: its parent is PID 1 of the instance, not the agent.
        #expect(lines.contains("parent 1"), "\(outcome.output)")
        #expect(outcome.output.contains("NoNewPrivs:\t1"))
        #expect(outcome.output.contains("Seccomp:\t2"))
        #expect(outcome.output.contains("CapEff:\t0000000000000000"))
        #expect(lines.contains { $0.hasPrefix("Uid:\t1001") })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func onCgroupV2TheWorkloadSeesItsOwnCgroupAsTheRoot() async throws {
        let name = TestEnvironment.uniqueName("cgns")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sh", "-c", "cat /proc/self/cgroup; exec sleep 30"]))
        let outcome = try await driver.run(handle, command: ["cat", "/proc/self/cgroup"], timeout: .seconds(10), outputLimit: 1 << 12)
        if driver.cgroups.version == .v2 {
            #expect(outcome.output == "0::/\n", "nothing of the host's cgroup tree shows")
        } else {
            // v1 keeps the host's view, as Docker does there.
            #expect(outcome.output.contains("aicore/test/\(name)"), "\(outcome.output)")
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func runReturnsTheExitCodeAndBothStreamsInOrder() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runcode"), ["sleep", "30"]))
        let outcome = try await driver.run(handle, command: ["sh", "-c", "echo one; echo two >&2; echo three; exit 3"],
                                           timeout: .seconds(10), outputLimit: 1 << 16)
        #expect(outcome == ExecOutcome(ending: .exited(.exited(3)), output: "one\ntwo\nthree\n"))
        let killed = try await driver.run(handle, command: ["sh", "-c", "kill -TERM $$"], timeout: .seconds(10), outputLimit: 100)
        #expect(killed.ending == .exited(.signaled(SIGTERM)))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runKillsTheProcessAtTheTimeoutAndKeepsWhatItPrinted() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runtime"), ["sleep", "30"]))
        // Long enough for `sh` to start and print on a slow machine (the VM emulates its CPU).
        let outcome = try await driver.run(handle, command: ["sh", "-c", "echo started; exec sleep 30"],
                                           timeout: .seconds(5), outputLimit: 1 << 16)
        #expect(outcome == ExecOutcome(ending: .timedOut, output: "started\n"))
        // The init kills it once the channel closes: only the init and the workload remain.
        #expect(await eventually { processesInCgroup(handle) == 2 })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runReportsAProgramThatCannotStart() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runmissing"), ["sleep", "30"]))
        do {
            _ = try await driver.run(handle, command: ["/no/such/program"], timeout: .seconds(10), outputLimit: 100)
            Issue.record("a missing program ran")
        } catch let error as AICoreError {
            #expect(error.exitCode == 127)
            #expect(error.message.contains("/no/such/program"), "\(error.message)")
        }
        // The channel still serves the next caller.
        let next = try await driver.run(handle, command: ["true"], timeout: .seconds(10), outputLimit: 100)
        #expect(next.ending == .exited(.exited(0)))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runServesMoreCallersAtOnceThanTheInitHasSessions() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runmany"), ["sleep", "30"]))
        let driver = self.driver
        let outcomes = await withTaskGroup(of: (Int, ExecOutcome?).self) { group in
            for i in 0..<24 {
                group.addTask {
                    (i, try? await driver.run(handle, command: ["sh", "-c", "sleep 0.2; echo \(i)"], timeout: .seconds(20), outputLimit: 100))
                }
            }
            var all: [Int: ExecOutcome?] = [:]
            for await (i, outcome) in group { all[i] = outcome }
            return all
        }
        for i in 0..<24 {
            #expect(outcomes[i] == ExecOutcome(ending: .exited(.exited(0)), output: "\(i)\n"), "caller \(i)")
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runKeepsItsConnectionForTheNextCallAndReconnectsAfterATimeout() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runkeep"), ["sleep", "30"]))
        for i in 0..<20 {
            let outcome = try await driver.run(handle, command: ["sh", "-c", "echo \(i)"], timeout: .seconds(10), outputLimit: 100)
            #expect(outcome == ExecOutcome(ending: .exited(.exited(0)), output: "\(i)\n"))
        }
        // The listener and one kept connection: twenty calls, one connect.
        #expect(initSockets(handle) == 2)
        let slow = try await driver.run(handle, command: ["sleep", "5"], timeout: .milliseconds(200), outputLimit: 100)
        #expect(slow.ending == .timedOut)
        let next = try await driver.run(handle, command: ["sh", "-c", "echo after"], timeout: .seconds(10), outputLimit: 100)
        #expect(next == ExecOutcome(ending: .exited(.exited(0)), output: "after\n"))
        #expect(await eventually { initSockets(handle) == 2 })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runCutsTheOutputAtTheLimitAndStillEnds() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runbig"), ["sleep", "30"]))
        let outcome = try await driver.run(handle, command: ["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; exit 4"],
                                           timeout: .seconds(20), outputLimit: 1000)
        #expect(outcome.ending == .exited(.exited(4)))
        #expect(outcome.output == String(repeating: "x", count: 1000))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func runWorksForAnInstanceReadoptedByAnotherAgent() async throws {
        let name = TestEnvironment.uniqueName("runrecover")
        let s = spec(name, ["sleep", "30"])
        let started = try await driver.start(s)
        let other = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir))
        let recovered = try await other.recover(id: name, spec: s)
        defer { try? other.remove(recovered) }
        let outcome = try await other.run(recovered, command: ["sh", "-c", "echo $PPID"], timeout: .seconds(10), outputLimit: 100)
        #expect(outcome == ExecOutcome(ending: .exited(.exited(0)), output: "1\n"))
        _ = try await driver.stop(started, signal: SIGKILL, grace: .seconds(1))
    }

    /// The agent never joins an instance itself (a copy of it inside would hold its memory and
    /// descriptors): an instance without the init's channel is refused, and nothing runs in it.
    @Test func anInstanceWithoutAChannelIsRefusedNotJoinedFromTheAgent() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runold"), ["sleep", "30"]))
        // As an instance started by an agent from before the channel: no socket.
        #expect(unlink(handle.stateDirectory + "/" + InstanceExecChannel.socketName) == 0)
        let error = await #expect(throws: AICoreError.self) {
            try await driver.run(handle, command: ["sh", "-c", "touch /tmp/ran"], timeout: .seconds(10), outputLimit: 100)
        }
        #expect(error?.message.contains("has no exec channel") == true, "\(String(describing: error))")
        #expect(!FileIO.exists("/proc/\(handle.pid)/root/tmp/ran"))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func theChannelServesOnlyTheAgentsOwnUser() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runpeer"), ["sleep", "30"]))
        let socket = handle.stateDirectory + "/" + InstanceExecChannel.socketName
        var st = stat()
        #expect(stat(socket, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        // Past the file mode (opened up here on purpose), the init still refuses another user.
        #expect(chmod(socket, 0o666) == 0)
        #expect(chmod(handle.stateDirectory, 0o755) == 0)
        let script = """
            use Socket;
            socket(my $s, PF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!";
            connect($s, pack_sockaddr_un($ARGV[0])) or die "connect: $!";
            $SIG{PIPE} = "IGNORE";
            # The init hangs up on a stranger at once: the send or the read sees it.
            send($s, "AIX1" . pack("LL", 1, 0) . "/bin/true\\0\\0\\0/bin/true\\0", 0) or do { print "refused\\n"; exit };
            my $buf = ""; recv($s, $buf, 4096, 0);
            print length($buf) ? length($buf) : "refused", "\\n";
            """
        let asNobody = try await offload {
            try ChildProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "perl", "-e", script, socket])
        }
        #expect(asNobody.stdout == "refused\n", "\(asNobody.stderr)")
        let asRoot = try await offload { try ChildProcess.run("/usr/bin/perl", ["-e", script, socket]) }
        #expect(asRoot.stdout == "9\n", "\(asRoot.stderr)")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func theInitRefusesAMalformedRequestAndGoesOnServing() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("runbad"), ["sleep", "30"]))
        let socket = handle.stateDirectory + "/" + InstanceExecChannel.socketName
        let script = """
            use Socket;
            socket(my $s, PF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!";
            connect($s, pack_sockaddr_un($ARGV[0])) or die "connect: $!";
            send($s, "not a request", 0) or die "send: $!";
            my $buf = ""; recv($s, $buf, 4096, 0);
            my ($type, $stage, $err) = unpack("a1 l l", $buf);
            print "$type $stage $err\\n";
            """
        let answer = try await offload { try ChildProcess.run("/usr/bin/perl", ["-e", script, socket]) }
        // A setup failure report: stage none, EINVAL.
        #expect(answer.stdout == "f 0 \(EINVAL)\n", "\(answer.stderr)")
        let next = try await driver.run(handle, command: ["sh", "-c", "echo fine"], timeout: .seconds(10), outputLimit: 100)
        #expect(next == ExecOutcome(ending: .exited(.exited(0)), output: "fine\n"))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }
}
