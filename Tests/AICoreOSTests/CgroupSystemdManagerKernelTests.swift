import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreOS

/// systemd's cgroup driver against a real systemd (PID 1, cgroup v2): `sudo scripts/test-cgroup-v2.sh
/// --systemd CgroupSystemdManagerKernelTests` runs it in the VM. A host without systemd (the build
/// machines: PID 1 is not systemd, cgroup v1) cannot run it and says so; scripts/test-systemd.sh
/// checks the same driver end to end through the agent.
@Suite(.serialized, .enabled(if: CgroupTestEnvironment.systemdAnswers,
                             "needs root and systemd as PID 1 with cgroup v2: skipping systemd's cgroup driver against the real systemd"))
struct CgroupSystemdManagerKernelTests {
    let manager = CgroupSystemdManager()

    init() throws {
        // Under scripts/test-cgroup-v2.sh --systemd, CgroupKernelTests (run alongside) makes this
        // process's unit cgroup pass controllers on, which cgroup v2 refuses while a process sits
        // there: so the children spawned here must be born in the leaf it moves this process to,
        // not in the unit's cgroup during the moment before their scope takes them.
        if ProcessInfo.processInfo.environment["AICORE_TEST_CGROUP_PLACEMENT"] == "delegated" {
            _ = try CgroupV2Manager.prepareDelegatedRoot()
        }
    }

    /// A runtime cgroup path whose scope nobody else uses: `aicore-test-<pid>-<random>-instance-1.scope`.
    static func uniquePath() -> String {
        "aicore-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/stack/service/instance-1"
    }

    static func cgroup(of pid: pid_t) throws -> String {
        try CgroupFileIO.read("/proc/\(pid)/cgroup").split(separator: "\n").first { $0.hasPrefix("0::") }
            .map { String($0.dropFirst(3)) } ?? ""
    }

    @Test func aWaitingProcessIsPlacedByStartingItsScopeAndSystemdWritesTheLimits() async throws {
        try await offload {
            let limits = CgroupLimits(memoryBytes: 64 << 20, cpus: 0.5, pidsMax: 64)
            let handle = try manager.create(Self.uniquePath(), limits: limits)
            let dir = try #require(handle.unifiedDirectory)
            #expect(!FileManager.default.fileExists(atPath: dir), "create makes nothing: the scope needs a process")
            let child = try CgroupKernelTests.Child("exec /bin/sleep 30")
            defer { child.reap() }
            try manager.place(child.pid, in: handle, limits: limits)
            defer { try? manager.killAll(handle); try? manager.destroy(handle) }
            try child.start()

            #expect(try Self.cgroup(of: child.pid) == "/" + handle.relativePath)
            #expect(handle.relativePath.hasPrefix("aicore.slice/aicore-test-") && handle.relativePath.hasSuffix("-instance-1.scope"))
            #expect(try CgroupFileIO.read(dir + "/memory.max").trimmingWhitespace == "67108864")
            #expect(try CgroupFileIO.read(dir + "/memory.swap.max").trimmingWhitespace == "0")
            #expect(try CgroupFileIO.read(dir + "/cpu.max").trimmingWhitespace == "50000 100000")
            #expect(try CgroupFileIO.read(dir + "/pids.max").trimmingWhitespace == "64")
            #expect(try manager.processes(handle) == [child.pid])
            #expect(try manager.stats(handle).pidsCurrent >= 1)

            try manager.killAll(handle)
            #expect(child.terminationSignal == SIGKILL)
            try manager.destroy(handle)
            #expect(!FileManager.default.fileExists(atPath: dir), "\(dir) left behind")
        }
    }

    /// cpuset and blkio_config through the unit's properties: systemd writes cpuset.cpus and
    /// io.max from them (a throttle needs no I/O scheduler; a weight would).
    @Test func cpusetAndBlockIOThrottlesReachTheScopesFiles() async throws {
        let disk = try #require(CgroupV2ManagerTests.hostDisk)
        try await offload {
            var limits = CgroupLimits(pidsMax: nil)
            limits.cpusetCPUs = "0"
            limits.blockIO = BlockIOLimits(throttles: [.readBPS: [.init(path: disk.path, value: 1 << 20)],
                                                       .writeIOPS: [.init(path: disk.path, value: 100)]])
            let handle = try manager.create(Self.uniquePath(), limits: limits)
            let dir = try #require(handle.unifiedDirectory)
            let child = try CgroupKernelTests.Child("exec /bin/sleep 30")
            defer { child.reap() }
            try manager.place(child.pid, in: handle, limits: limits)
            defer { try? manager.killAll(handle); try? manager.destroy(handle) }
            try child.start()
            #expect(try CgroupFileIO.read(dir + "/cpuset.cpus").trimmingWhitespace == "0")
            let ioMax = try CgroupFileIO.read(dir + "/io.max")
            #expect(ioMax.contains("\(disk.number) rbps=1048576 ") && ioMax.contains(" wiops=100"), "\(ioMax)")
        }
        // A path that is not a block device is refused by name before any unit starts.
        var limits = CgroupLimits(pidsMax: nil)
        limits.blockIO = BlockIOLimits(throttles: [.readBPS: [.init(path: "/dev/null", value: 1)]])
        #expect { _ = try manager.create(Self.uniquePath(), limits: limits) } throws: { error in
            (error as? SystemError)?.detail == "/dev/null is not a block device on this host"
        }
    }

    /// About 10 s in the VM: the stale process is this test's own child, and until the test
    /// reaps it systemd's stop seems to wait out the scope's TimeoutStopUSec. The agent reaps its
    /// instances' inits as they exit.
    @Test func aScopeLeftBehindUnderTheSameNameIsStoppedAndTheNewProcessPlaced() async throws {
        try await offload {
            let handle = try manager.create(Self.uniquePath(), limits: CgroupLimits())
            let stale = try CgroupKernelTests.Child("exec /bin/sleep 30")
            defer { stale.reap() }
            try manager.place(stale.pid, in: handle, limits: CgroupLimits())
            defer { try? manager.killAll(handle); try? manager.destroy(handle) }
            try stale.start()

            let next = try CgroupKernelTests.Child("exec /bin/sleep 30")
            defer { next.reap() }
            try manager.place(next.pid, in: handle, limits: CgroupLimits())
            try next.start()
            #expect(stale.terminationSignal != nil, "stopping the old scope ended what ran in it")
            #expect(try manager.processes(handle) == [next.pid])
            #expect(try Self.cgroup(of: next.pid) == "/" + handle.relativePath)
        }
    }

    /// The file the instance's init reads as it exits (systemd removes the emptied scope's cgroup,
    /// and the file with it, at once): it counts the scope's OOM kills while the scope lives.
    @Test func theOOMKillCounterFileCountsAKillInTheScope() async throws {
        let limits = CgroupLimits(memoryBytes: 32 << 20)
        let handle = try manager.create(Self.uniquePath(), limits: limits)
        let counter = try #require(manager.oomKillCounterFile(handle))
        try await offload { [manager] in
            // The killed process is not the scope's last: the scope and its file stay to be read.
            let keeper = try CgroupKernelTests.Child("exec /bin/sleep 30")
            defer { keeper.reap() }
            try manager.place(keeper.pid, in: handle, limits: limits)
            defer { try? manager.killAll(handle); try? manager.destroy(handle) }
            try keeper.start()
            let hog = try CgroupKernelTests.Child("exec /usr/bin/python3 -c 'x = b\"x\" * (256 << 20)'")
            defer { hog.reap() }
            try manager.addProcess(hog.pid, to: handle)
            try hog.start()
            #expect(hog.terminationSignal == SIGKILL)
            #expect(try CgroupFileIO.readKeyedIfPresent(counter)["oom_kill"] == 1)
            #expect(try manager.wasOOMKilled(handle))
        }
    }

    @Test func destroyingAScopeThatIsGoneAlreadyIsFine() async throws {
        try await offload {
            let handle = try manager.create(Self.uniquePath(), limits: CgroupLimits())
            try manager.destroy(handle)
        }
    }
}
