import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// What a root workload finds when it goes after its instance's init and exec processes
/// (issue 13, finding 1; runc CVE-2024-21626 and CVE-2016-9962): no descriptor that leads out
/// of the instance, and none of the agent's memory. With and without CAP_SYS_PTRACE.
@Suite(.serialized, .removesStartedTasks, .enabled(if: TestEnvironment.isRoot, "needs root: namespaces, mounts and cgroups"))
final class InitHandoverTests {
    let stateDir: String
    let driver: LinuxTaskDriver

    init() throws {
        stateDir = try TestEnvironment.temporaryDirectory("handover")
        driver = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir))
    }

    deinit { try? FileIO.removeTree(stateDir) }

    /// Run inside the instance (python3 of the host's read-only root). argv: host marker name,
    /// the name to create, the agent's secret reversed (so that this process's own arguments,
    /// which the init keeps, never hold it), and how long to keep stopping new processes.
    static let prober = #"""
    import ctypes, errno, os, signal, sys, time
    marker, created, secret, seconds = sys.argv[1], sys.argv[2], sys.argv[3][::-1].encode(), float(sys.argv[4])
    me = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)
    report = []
    def names_above(path):
        names = set()
        for depth in range(12):
            try: names.update(os.listdir(path + "/.." * depth))
            except OSError: pass
        return names
    def try_descriptor(where, path):
        if not os.path.isdir(path): return
        if marker in names_above(path): report.append(f"REACHED {where} {os.readlink(path) if os.path.islink(path) else path}")
        try: open(path + "/.." * 8 + "/" + created, "w").close()
        except OSError: pass
    def probe(pid):
        try: fds = os.listdir(f"/proc/{pid}/fd")
        except OSError as e: report.append(f"fd-list {pid} {errno.errorcode[e.errno]}"); return
        for fd in fds: try_descriptor(f"/proc/{pid}/fd/{fd}", f"/proc/{pid}/fd/{fd}")
    probe(1)
    # pidfd_getfd(2): the init's descriptors, taken into this process.
    try:
        pidfd = os.pidfd_open(1)
        for target in range(64):
            fd = libc.syscall(438, pidfd, target, 0)
            if fd < 0:
                if ctypes.get_errno() != errno.EBADF: report.append(f"getfd {errno.errorcode[ctypes.get_errno()]}")
                continue
            try_descriptor(f"getfd {target}", f"/proc/self/fd/{fd}")
            os.close(fd)
    except OSError as e: report.append(f"pidfd {errno.errorcode[e.errno]}")
    for what in ["environ", "mem"]:
        try:
            if what == "environ":
                data = open("/proc/1/environ", "rb").read()
            else:
                data = b""
                with open("/proc/1/mem", "rb", buffering=0) as mem:
                    for line in open("/proc/1/maps"):
                        span, perms = line.split()[:2]
                        start, end = (int(x, 16) for x in span.split("-"))
                        if not perms.startswith("rw") or end - start > 1 << 28: continue
                        try:
                            mem.seek(start); data += mem.read(end - start)
                        except OSError: pass
            report.append(f"{what} read" + (" SECRET" if secret in data else ""))
        except OSError as e: report.append(f"{what} {errno.errorcode[e.errno]}")
    # Every process that appears (the exec processes the test makes meanwhile), stopped where it is.
    stopped, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in (1, me): continue
            pid = int(entry)
            try: os.kill(pid, signal.SIGSTOP)
            except OSError: continue
            stopped += 1
            probe(pid)
            try: os.kill(pid, signal.SIGCONT)
            except OSError: pass
    print("\n".join(sorted(set(r for r in report if not r.startswith("fd-list")))))
    print(f"stopped {stopped}")
    """#

    @Test(arguments: [false, true])
    func aRootWorkloadReachesNoHostDescriptorAndNoAgentMemory(ptrace: Bool) async throws {
        let name = TestEnvironment.uniqueName(ptrace ? "ptrace" : "noptrace")
        let marker = "host-marker-\(UUID().uuidString)"
        let created = "escaped-\(UUID().uuidString)"
        try FileIO.write(stateDir + "/" + marker, "")
        // The agent's memory holds secrets (the API token, the TLS key, other stacks' environments):
        // this one is in this process's environment, which a clone of this process copies.
        let secret = "agent-secret-\(UUID().uuidString)"
        setenv("AICORE_TEST_AGENT_SECRET", secret, 1)
        defer { unsetenv("AICORE_TEST_AGENT_SECRET") }

        var spec = TaskSpec(id: name, cgroupPath: "aicore/test/\(name)", command: ["sleep", "60"])
        if ptrace { spec.capAdd = ["SYS_PTRACE"] }
        let handle = try await driver.startRemovedAfterTest(spec)
        // Exec processes come and go while the prober stops each one it sees.
        let driver = self.driver
        let execs = Task {
            var made = 0
            while !Task.isCancelled, made < 200 {
                _ = try? await driver.run(handle, command: ["sleep", "0.05"], timeout: .seconds(10), outputLimit: 10)
                made += 1
            }
        }
        let outcome = try await driver.run(
            handle, command: ["python3", "-c", Self.prober, marker, created, String(secret.reversed()), "3"],
            timeout: .seconds(120), outputLimit: 1 << 16)
        execs.cancel()
        _ = await execs.value
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(outcome.ending == .exited(.exited(0)), "\(outcome.output)")
        #expect(!lines.contains { $0.hasPrefix("REACHED") || $0.contains("SECRET") }, "\(outcome.output)")
        let stopped = lines.last.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(stopped > 0, "the prober saw no exec process: \(outcome.output)")
        if ptrace {
            // Readable with CAP_SYS_PTRACE, as in Docker, but the init is a program of its own:
            // an empty environment, and no byte of the agent.
            #expect(lines.contains("environ read") && lines.contains("mem read"), "\(outcome.output)")
        } else {
            // The init is not dumpable: without CAP_SYS_PTRACE nothing of it opens.
            #expect(lines.contains("environ EACCES") && lines.contains("mem EACCES"), "\(outcome.output)")
            #expect(lines.contains("pidfd EPERM") || lines.contains("getfd EPERM"), "\(outcome.output)")
        }
        // Nothing was made through a descriptor outside the directories the init was handed.
        let instance = handle.stateDirectory
        for directory in [stateDir, instance, "/run", "/"] {
            #expect(!FileIO.exists(directory + "/" + created), "\(directory)")
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func theInitIsTheSealedInitProgramWithAnEmptyEnvironment() async throws {
        let name = TestEnvironment.uniqueName("initexe")
        let handle = try await driver.startRemovedAfterTest(TaskSpec(id: name, cgroupPath: "aicore/test/\(name)", command: ["sleep", "30"]))
        let exe = try FileIO.readLink("/proc/\(handle.pid)/exe")
        #expect(exe.hasPrefix("/memfd:aicore-init"), "\(exe)")
        #expect(try FileIO.readString("/proc/\(handle.pid)/comm") == "aicore-init\n")
        #expect(try FileIO.readString("/proc/\(handle.pid)/environ").isEmpty)
        // The copy cannot be changed, even by root through the link.
        let fd = open("/proc/\(handle.pid)/exe", O_WRONLY)
        if fd >= 0 {
            #expect(write(fd, "x", 1) < 0)
            close(fd)
        }
        // Its descriptors: pipes, sockets, /dev/null, the log directory (the root of a detached
        // mount: its path is "/") with the log file in it, the exit file alone, and its cgroup's
        // OOM-kill counter file, read-only.
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(handle.pid)/fd")
        let targets = fds.compactMap { try? FileIO.readLink("/proc/\(handle.pid)/fd/\($0)") }
        let paths = targets.filter { $0.hasPrefix("/") && $0 != "/dev/null" }.sorted()
        let counter = try #require(handle.cgroup.flatMap { driver.cgroups.oomKillCounterFile($0) })
        #expect(paths == ["/", "/container.log", counter, ExitRecord.path(stateDirectory: handle.stateDirectory)].sorted(), "\(targets)")
        let counterFD = try #require(fds.first { (try? FileIO.readLink("/proc/\(handle.pid)/fd/\($0)")) == counter })
        let info = try FileIO.readString("/proc/\(handle.pid)/fdinfo/\(counterFD)")
        let flags = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int32($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) })
        #expect(flags & O_ACCMODE == O_RDONLY, "\(info)")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    /// The init is C only: the static Swift runtime (10 MiB, which a one-shot `run` copies into
    /// the memfd at every spawn) must not come back into it through swiftc's startup object.
    @Test func theInitProgramCarriesNoSwiftRuntime() throws {
        let path = try #require(InitProgram.candidates(executable: TestEnvironment.binary).first(where: FileIO.exists))
        let bytes = try FileIO.read(path)
        #expect(bytes.count < 4 << 20, "\(path): \(bytes.count) bytes")
        #expect(bytes.firstRange(of: Array("swift_retain".utf8)) == nil, "\(path) links the Swift runtime")
    }
}
