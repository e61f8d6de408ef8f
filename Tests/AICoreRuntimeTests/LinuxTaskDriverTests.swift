import AICoreErrors
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// The driver API the supervisor uses, against the real kernel (root only; CI is root).
@Suite(.serialized, .removesStartedTasks, .enabled(if: TestEnvironment.isRoot, "needs root: namespaces, mounts and cgroups"))
final class LinuxTaskDriverTests {
    let stateDir: String
    let driver: LinuxTaskDriver

    init() throws {
        stateDir = try TestEnvironment.temporaryDirectory("driver")
        driver = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir))
    }

    deinit { try? FileIO.removeTree(stateDir) }

    func spec(_ name: String, _ command: [String], limits: CgroupLimits = CgroupLimits(), user: String? = nil) -> TaskSpec {
        TaskSpec(id: name, cgroupPath: "aicore/test/\(name)", command: command, user: user, limits: limits)
    }

    /// Processes in the instance's cgroup (the init and the workload, when nothing else runs).
    func processesInCgroup(_ handle: TaskHandle) -> Int {
        let procs = (handle.cgroup?.directories.first ?? "") + "/cgroup.procs"
        return ((try? FileIO.readString(procs)) ?? "").split(separator: "\n").count
    }

    /// Sockets the instance's init holds: its exec channel's listener and each connection.
    func initSockets(_ handle: TaskHandle) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(handle.pid)/fd")) ?? []
        return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(handle.pid)/fd/\($0)")) ?? "").hasPrefix("socket:") }.count
    }

    /// Starts `spec`, which the driver must refuse, and hands its error to `check`; an instance
    /// that starts anyway is removed and recorded as an issue.
    func expectRefusedStart(_ spec: TaskSpec, _ check: (AICoreError) -> Void) async throws {
        do {
            let handle = try await driver.start(spec)
            _ = try? await offload { [driver] in try driver.remove(handle) }
            Issue.record("started")
        } catch let error as AICoreError {
            check(error)
        }
    }

    func expectNothingLeft(_ handle: TaskHandle) {
        #expect(cgroupLeftovers("aicore/test/\(handle.id)").isEmpty)
        #expect(processesMentioning(handle.id).isEmpty)
        #expect(!FileIO.exists(handle.stateDirectory))
    }

    /// A TaskSpec made without the stack loader or `run -v` meets the same rule for targets.
    @Test func aTargetWithDotDotIsRefusedBeforeAnythingStarts() async throws {
        let name = TestEnvironment.uniqueName("dotdot")
        var s = spec(name, ["true"])
        s.mounts = [MountSpec(destination: "/tmp/../etc", kind: .bind(source: "/tmp", readOnly: false))]
        try await expectRefusedStart(s) { error in
            #expect(error.message == #"invalid mount destination "/tmp/../etc": "." and ".." are not allowed"#)
            #expect(error.code == .invalidSpec)
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }

    @Test func sigtermReachesTheWorkloadThroughInit() async throws {
        let name = TestEnvironment.uniqueName("term")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"]))
        #expect(await eventually { ((try? FileIO.readString(handle.logFile)) ?? "").contains("ready") })
        let exit = try await driver.stop(handle, signal: SIGTERM, grace: .seconds(10))
        #expect(exit.status == .exited(7))
        #expect(!exit.oomKilled)
        #expect(try FileIO.readString(handle.logFile).contains(" stdout F got-term"))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func stopEscalatesToSIGKILL() async throws {
        let name = TestEnvironment.uniqueName("kill")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]))
        #expect(await eventually { ((try? FileIO.readString(handle.logFile)) ?? "").contains("ready") })
        let exit = try await driver.stop(handle, signal: SIGTERM, grace: .milliseconds(300))
        #expect(exit.status == .signaled(SIGKILL))
        #expect(exit.exitCode == 137)
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func cpuQuotaThrottlesABusyLoop() async throws {
        let name = TestEnvironment.uniqueName("cpu")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sh", "-c", "while :; do :; done"], limits: CgroupLimits(cpus: 0.5)))
        // Wait for throttling to show (bounded), not for a fixed time.
        #expect(await eventually { ((try? await driver.stats(handle))?.cpuThrottledPeriods ?? 0) >= 3 })
        let stats = try await driver.stats(handle)
        #expect(stats.cpuUsageNanos > 0)
        #expect(stats.cpuThrottledNanos > 0)
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func execJoinsNamespacesCgroupAndIdentity() async throws {
        let name = TestEnvironment.uniqueName("exec")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sleep", "30"], user: "1001"))
        let outcome = try await driver.run(handle, command: [
            "sh", "-c", "readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/uts /proc/self/ns/ipc; cat /proc/self/cgroup; grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff)' /proc/self/status; ls /proc | grep -c '^[0-9]'",
        ], timeout: .seconds(20), outputLimit: 1 << 16)
        let output = outcome.output
        #expect(outcome.ending == .exited(.exited(0)), "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        for (i, ns) in ["pid", "mnt", "uts", "ipc"].enumerated() {
            let hostView = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(handle.pid)/ns/\(ns)")
            #expect(lines.count > i && lines[i] == hostView, "\(ns): \(output)")
        }
        // The init's children share its cgroup namespace on v2 (rooted at the instance's cgroup).
        #expect(output.contains(handle.cgroup?.unifiedDirectory != nil ? "0::/\n" : "aicore/test/\(name)"), "\(output)")
        #expect(output.contains("NoNewPrivs:\t1"))
        #expect(output.contains("Seccomp:\t2"))
        #expect(output.contains("CapEff:\t0000000000000000"))
        #expect(lines.contains { $0.hasPrefix("Uid:\t1001") })
        // init, sleep, and the exec'd shell (+ its children) — no host processes.
        #expect((Int(lines.last ?? "") ?? 99) <= 5)
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    /// The init's own exit file says so, not only the cgroup the agent reads after the exit:
    /// systemd removes an emptied scope's cgroup, perhaps before the agent gets to read it.
    @Test func theInitRecordsAnOOMKillInItsExitFile() async throws {
        let name = TestEnvironment.uniqueName("oomrecord")
        let handle = try await driver.startRemovedAfterTest(
            spec(name, ["/usr/bin/python3", "-c", "x = bytearray(256 << 20)"], limits: CgroupLimits(memoryBytes: 32 << 20)))
        let exit = try await driver.wait(handle)
        #expect(exit.oomKilled)
        let record = try #require(try ExitRecord.read(stateDirectory: handle.stateDirectory))
        #expect(record.oomKilled && record.signal == SIGKILL, "\(record)")
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func anExitWithoutAnOOMKillIsRecordedAsNone() async throws {
        let name = TestEnvironment.uniqueName("nooom")
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sh", "-c", "kill -9 $$"], limits: CgroupLimits(memoryBytes: 32 << 20)))
        let exit = try await driver.wait(handle)
        #expect(exit.status == .signaled(SIGKILL) && !exit.oomKilled)
        let record = try #require(try ExitRecord.read(stateDirectory: handle.stateDirectory))
        #expect(!record.oomKilled && record.signal == SIGKILL, "\(record)")
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func recoverReadoptsARunningTask() async throws {
        let name = TestEnvironment.uniqueName("recover")
        let s = spec(name, ["sh", "-c", "sleep 0.5; exit 5"])
        let started = try await driver.start(s)
        let other = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir))
        let recovered = try await other.recover(id: name, spec: s)
        defer { try? other.remove(recovered) }
        #expect(recovered.pid == started.pid)
        #expect(recovered.startTime == started.startTime)
        let exit = try await other.wait(recovered)
        #expect(exit.status == .exited(5))
        _ = try await driver.wait(started)  // reaps our child
        try other.remove(recovered)
        expectNothingLeft(recovered)
    }

    @Test func exitFileSurvivesAKilledLauncher() async throws {
        let name = TestEnvironment.uniqueName("orphan")
        let launcher = try ChildProcess.spawn(
            TestEnvironment.binary,
            ["run", "--state-dir", stateDir, "--name", name, "--keep-state", "--", "sh", "-c", "echo started; sleep 1; echo done; exit 3"],
            discardOutput: true)
        let taskFile = stateDir + "/" + name + "/task.json"
        #expect(await eventually { FileIO.exists(taskFile) })
        launcher.signal(SIGKILL)
        #expect(launcher.waitForExit() == .signaled(SIGKILL))
        // The file is there, empty, from the start; the init fills it as it exits.
        #expect(await eventually { (try? ExitRecord.read(stateDirectory: stateDir + "/" + name)) != nil })
        let record = try #require(try ExitRecord.read(stateDirectory: stateDir + "/" + name))
        #expect(record.exitCode == 3 && record.signal == nil && !record.oomKilled)
        let log = try FileIO.readString(stateDir + "/" + name + "/logs/container.log")
        #expect(log.contains(" stdout F done"))
        // The launcher could not clean up: an agent would, through recover + remove.
        // (The init may linger as a zombie of the host's PID 1 until that one reaps it.)
        let handle = try await driver.recover(id: name, spec: TaskSpec(id: name, command: ["true"]))
        #expect(try await driver.wait(handle).status == .exited(3))
        try await offload { [driver] in try driver.remove(handle) }
        #expect(cgroupLeftovers("aicore/run/\(name)").isEmpty)
        #expect(!FileIO.exists(stateDir + "/" + name))
    }
}
