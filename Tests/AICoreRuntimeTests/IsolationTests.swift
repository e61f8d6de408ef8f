import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// The isolation suite: the real `aicore-node run` binary on the real kernel, checked from
/// inside the workload. Needs root (CI is root, so nothing here skips there).
@Suite(.serialized, .enabled(if: TestEnvironment.isRoot, "needs root: namespaces, mounts and cgroups"))
final class IsolationTests {
    let stateDir: String

    init() throws {
        stateDir = try TestEnvironment.temporaryDirectory("state")
    }

    deinit { try? FileIO.removeTree(stateDir) }

    /// Runs a workload and checks that it left nothing behind.
    func run(_ name: String, _ args: [String]) async throws -> RunResult {
        let result = try await runNode(["--name", name] + args, stateDir: stateDir)
        #expect(cgroupLeftovers("aicore/run/\(name)").isEmpty, "cgroup of \(name) left behind")
        #expect(!FileIO.exists(stateDir + "/" + name), "state dir of \(name) left behind")
        return result
    }

    @Test func sandboxStatusForNonRootUser() async throws {
        let name = TestEnvironment.uniqueName("status")
        let r = try await run(name, ["--user", "1001", "--memory", "64m", "--read-only", "--", "cat", "/proc/self/status"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        func field(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key + ":") }.map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        #expect(field("NoNewPrivs") == "1")
        #expect(field("Seccomp") == "2")
        for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(field(cap) == "0000000000000000", "\(cap)")
        }
        #expect(field("Uid")?.hasPrefix("1001") == true)
    }

    @Test func networkNoneHasOnlyAWorkingLoopback() async throws {
        let script = """
        import os, socket
        print(sorted(os.listdir("/sys/class/net")))
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname(), timeout=5)
        print("loopback connects")
        """
        let r = try await run(TestEnvironment.uniqueName("netnone"), ["--network", "none", "--", "/usr/bin/python3", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "['lo']\nloopback connects\n")
    }

    @Test func rawAndPacketSocketsNeedNetRawWhichRootLacksByDefault() async throws {
        let script = """
        import socket
        try:
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            print("packet socket opened")
        except PermissionError as error:
            print("refused:", error.errno)
        """
        let byDefault = try await run(TestEnvironment.uniqueName("noraw"), ["--", "/usr/bin/python3", "-c", script])
        #expect(byDefault.status == 0, "\(byDefault.stderr)")
        #expect(byDefault.stdout == "refused: \(EPERM)\n", "a root workload cannot sniff or forge the host's traffic")
        let granted = try await run(TestEnvironment.uniqueName("raw"), ["--cap-add", "NET_RAW", "--", "/usr/bin/python3", "-c", script])
        #expect(granted.stdout == "packet socket opened\n", "\(granted.stderr)")
    }

    @Test func theWorkloadsOOMScoreIsItsOwnNotItsLaunchers() async throws {
        // The launcher runs at 300 (as the agent's unit runs at -500; lowering needs
        // CAP_SYS_RESOURCE, which a sandboxed CI may lack): the workload must not inherit it.
        func oomScore(_ extra: [String]) async throws -> ChildProcess.Output {
            try await childRun(
                "/bin/sh",
                ["-c", #"echo 300 > /proc/self/oom_score_adj && state=$1 name=$2 && shift 2 && exec "$0" run --state-dir "$state" --name "$name" "$@" -- cat /proc/self/oom_score_adj"#,
                 TestEnvironment.binary, stateDir, TestEnvironment.uniqueName("oom")] + extra)
        }
        let inherited = try await oomScore([])
        #expect(inherited.status == 0, "\(inherited.stderr)")
        #expect(inherited.stdout == "0\n")
        #expect(try await oomScore(["--oom-score-adj", "500"]).stdout == "500\n")
    }

    @Test func thePrivateTmpHasABoundedSize() async throws {
        let r = try await run(TestEnvironment.uniqueName("tmpsize"), ["--", "/usr/bin/stat", "-f", "-c", "%b %S", "/tmp"])
        #expect(r.status == 0, "\(r.stderr)")
        let fields = r.stdout.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
        #expect(fields.count == 2 && fields[0] * fields[1] == TaskSpec.defaultTmpSizeBytes, "\(r.stdout)")
    }

    @Test func devicesOutsideTheAllowlistCannotBeOpenedWhereverTheNodeIsMade() async throws {
        let volume = try TestEnvironment.temporaryDirectory("devices-volume")
        defer { try? FileIO.removeTree(volume) }
        // Root keeps CAP_MKNOD (as in Docker): making a node works; using it must not.
        let script = """
        import errno, os, stat
        for directory in ["/dev", "/tmp", "/mnt"]:
            for name, kind, major, minor in [("loop", stat.S_IFBLK, 7, 0), ("tun", stat.S_IFCHR, 10, 200)]:
                path = f"{directory}/made-{name}"
                os.mknod(path, 0o600 | kind, os.makedev(major, minor))
                try:
                    os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK))
                    print(path, "opened")
                except OSError as error:
                    print(path, errno.errorcode[error.errno])
                os.unlink(path)
        for path in ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/ptmx"]:
            os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY))
            print(path, "ok")
        """
        let r = try await run(TestEnvironment.uniqueName("devices"), ["-v", "\(volume):/mnt", "--", "/usr/bin/python3", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        // The device cgroup refuses (EPERM); the private /tmp and bound volumes are nodev as well
        // (EACCES), so there the mount refuses before the cgroup is asked.
        #expect(r.stdout.split(separator: "\n").map(String.init) == [
            "/dev/made-loop EPERM", "/dev/made-tun EPERM", "/tmp/made-loop EACCES", "/tmp/made-tun EACCES",
            "/mnt/made-loop EACCES", "/mnt/made-tun EACCES",
            "/dev/null ok", "/dev/zero ok", "/dev/full ok", "/dev/random ok", "/dev/urandom ok", "/dev/ptmx ok",
        ], "\(r.stdout)")
    }

    @Test func noHostFileDescriptorLeaksIn() async throws {
        // The launcher inherits fd 7 (no close-on-exec) from its shell; the workload must not.
        let name = TestEnvironment.uniqueName("fds")
        let output = try await childRun(
            "/bin/sh",
            ["-c", #"exec 7</etc/hostname; exec "$0" run --state-dir "$1" --name "$2" -- sh -c 'ls /proc/self/fd'"#,
             TestEnvironment.binary, stateDir, name])
        #expect(output.status == 0, "\(output.stderr)")
        // 0, 1, 2, and the descriptor ls itself opened on /proc/self/fd.
        #expect(output.stdout.split(separator: "\n") == ["0", "1", "2", "3"])
        #expect(cgroupLeftovers("aicore/run/\(name)").isEmpty)
    }

    @Test func theWorkloadGetsUmask022WhateverTheLaunchersIs() async throws {
        // The agent runs with umask 077; its workloads must not inherit it.
        let name = TestEnvironment.uniqueName("umask")
        let output = try await childRun(
            "/bin/sh",
            ["-c", #"umask 077; exec "$0" run --state-dir "$1" --name "$2" -- sh -c umask"#, TestEnvironment.binary, stateDir, name])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "0022\n")
        #expect(cgroupLeftovers("aicore/run/\(name)").isEmpty)
    }

    @Test func dangerousSyscallsAreRefused() async throws {
        let script = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        calls = {"mount": 165, "umount2": 166, "unshare": 272, "setns": 308, "kexec_load": 246,
                 "keyctl": 250, "pivot_root": 155, "swapon": 167, "init_module": 175, "clone3": 435}
        for name, nr in calls.items():
            if name == "unshare":
                r = libc.syscall(nr, 0x20000)
            else:
                r = libc.syscall(nr, 0, 0, 0, 0, 0)
            print(name, r, os.strerror(ctypes.get_errno()) if r < 0 else "ok")
        """
        let r = try await run(TestEnvironment.uniqueName("syscalls"), ["--", "/usr/bin/python3", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = Set(r.stdout.split(separator: "\n").map(String.init))
        for name in ["mount", "umount2", "unshare", "setns", "kexec_load", "keyctl", "pivot_root", "swapon", "init_module"] {
            #expect(lines.contains("\(name) -1 Operation not permitted"), "\(name): \(r.stdout)")
        }
        #expect(lines.contains("clone3 -1 Function not implemented"), "\(r.stdout)")
    }

    @Test func pidNamespaceShowsOnlyTheInstance() async throws {
        let script = "import os; print(os.getpid(), os.getppid()); print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"
        let r = try await run(TestEnvironment.uniqueName("pid"), ["--", "/usr/bin/python3", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "2 1")
        #expect(lines.dropFirst().first == "[1, 2]")
    }

    @Test func hostnameIsIsolated() async throws {
        var hostBefore = [CChar](repeating: 0, count: 256)
        gethostname(&hostBefore, 255)
        let r = try await run(TestEnvironment.uniqueName("uts"), ["--hostname", "box-under-test", "--cap-add", "SYS_ADMIN", "--",
                                                            "sh", "-c", "hostname; cat /etc/hostname; hostname changed-inside && hostname"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "box-under-test\nbox-under-test\nchanged-inside\n")
        var hostAfter = [CChar](repeating: 0, count: 256)
        gethostname(&hostAfter, 255)
        #expect(hostBefore == hostAfter)
    }

    @Test func readOnlyPlacesRefuseWrites() async throws {
        let volume = try TestEnvironment.temporaryDirectory("vol")
        defer { try? FileIO.removeTree(volume) }
        let rw = try TestEnvironment.temporaryDirectory("rwvol")
        defer { try? FileIO.removeTree(rw) }
        let script = """
        for p in /usr/aicore-probe /proc/sys/kernel/aicore /tmp/ro/probe /etc/hosts; do
          if echo x > $p 2>/dev/null; then echo "$p writable"; else echo "$p refused"; fi
        done
        echo ok > /tmp/rw/probe && echo "/tmp/rw writable"
        echo ok > /tmp/probe && echo "/tmp writable"
        """
        let r = try await run(TestEnvironment.uniqueName("ro"), ["-v", "\(volume):/tmp/ro:ro", "-v", "\(rw):/tmp/rw", "--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "/usr/aicore-probe refused\n/proc/sys/kernel/aicore refused\n/tmp/ro/probe refused\n/etc/hosts refused\n/tmp/rw writable\n/tmp writable\n")
        #expect(!FileIO.exists(volume + "/probe"))
        #expect(FileIO.exists(rw + "/probe"))
        #expect(!FileIO.exists("/usr/aicore-probe"))
    }

    /// `tmpfs: /x:ro` (and `--tmpfs /x:ro`) is a tmpfs nothing can write, not a writable one.
    @Test func aReadOnlyTmpfsRefusesWrites() async throws {
        let script = """
        if echo x > /mnt/probe 2>/dev/null; then echo "/mnt writable"; else echo "/mnt refused"; fi
        if mkdir /mnt/dir 2>/dev/null; then echo "/mnt mkdir"; else echo "/mnt mkdir refused"; fi
        grep ' /mnt ' /proc/self/mounts | cut -d' ' -f3,4 | cut -d, -f1
        echo ok > /srv/probe && echo "/srv writable"
        """
        let r = try await run(TestEnvironment.uniqueName("rotmpfs"), ["--tmpfs", "/mnt:size=1m,ro", "--tmpfs", "/srv", "--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "/mnt refused\n/mnt mkdir refused\ntmpfs ro\n/srv writable\n")
    }

    @Test func maskedPathsAreUnreadable() async throws {
        let script = """
        for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
          [ -e $p ] || continue; n=$(head -c 64 $p 2>/dev/null | wc -c); echo "$p $n"
        done
        ls /proc/acpi /sys/firmware 2>/dev/null | grep -v '^/' | grep -v '^$' | wc -l
        """
        let r = try await run(TestEnvironment.uniqueName("mask"), ["--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= 2)
        for line in lines.dropLast() { #expect(line.hasSuffix(" 0"), "\(line) is readable") }
        #expect(lines.last == "0")
    }

    @Test func memoryHogIsOOMKilled() async throws {
        let r = try await run(TestEnvironment.uniqueName("oom"), ["--memory", "32m", "--", "/usr/bin/python3", "-c", "x = bytearray(256 << 20)"])
        #expect(r.status == 137)
        #expect(r.stderr.contains("OOMKilled"))
    }

    @Test func forkBombStopsAtThePidsLimit() async throws {
        let script = """
        import os, time
        n = 0
        try:
            while n < 1000:
                if os.fork() == 0:
                    time.sleep(30); os._exit(0)
                n += 1
        except OSError as e:
            print("stopped", n, e.errno)
        """
        let r = try await run(TestEnvironment.uniqueName("pids"), ["--pids-limit", "20", "--", "/usr/bin/python3", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        let parts = r.stdout.split(separator: " ")
        #expect(parts.first == "stopped")
        if parts.count == 3, let n = Int(parts[1]) {
            #expect(n < 20)
            #expect(parts[2] == "11\n" || parts[2] == "11")  // EAGAIN
        }
        // The host can still fork.
        #expect(try await childRun("/bin/true", []).termination == .exited(0))
    }

    @Test func noZombiesAreLeft() async throws {
        let script = """
        sh -c 'sleep 0.2 & sleep 0.2 & exit 0'
        sleep 1
        grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l
        """
        let r = try await run(TestEnvironment.uniqueName("zombie"), ["--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "0\n")
    }

    @Test func exitStatusAndErrors() async throws {
        #expect(try await run(TestEnvironment.uniqueName("exit"), ["--", "sh", "-c", "exit 42"]).status == 42)
        #expect(try await run(TestEnvironment.uniqueName("sig"), ["--", "sh", "-c", "kill -KILL $$"]).status == 137)
        let missing = try await run(TestEnvironment.uniqueName("missing"), ["--", "/no/such/program"])
        #expect(missing.status == 127)
        #expect(missing.stderr == "aicore-node run: exec /no/such/program: No such file or directory\n")
        let ro = try await run(TestEnvironment.uniqueName("mkdir"), ["-v", "/tmp:/no-such-dir-on-ro-root", "--", "true"])
        #expect(ro.status == 125)
        #expect(ro.stderr == "aicore-node run: mkdir /no-such-dir-on-ro-root: Read-only file system\n")
        let bad = try await runNode(["--bogus", "--", "true"], stateDir: stateDir)
        #expect(bad.status == 125 && bad.stderr.split(separator: "\n").count == 1, "\(bad.status): \(bad.stderr)")
        let none = try await runNode([], stateDir: stateDir)
        #expect(none.status == 125 && none.stderr.contains("missing command"), "\(none.status): \(none.stderr)")
    }

    @Test func logFileHasOutputAndRotates() async throws {
        let logs = try TestEnvironment.temporaryDirectory("logs")
        defer { try? FileIO.removeTree(logs) }
        let script = "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; echo to-stderr >&2"
        let r = try await run(TestEnvironment.uniqueName("log"), ["--log-dir", logs, "--log-max-size", "4k", "--log-max-files", "3", "--", "sh", "-c", script])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("line-299\n"))
        #expect(r.stderr == "to-stderr\n")
        let current = try FileIO.readString(logs + "/container.log")
        #expect(FileIO.exists(logs + "/container.log.1"))
        #expect(FileIO.exists(logs + "/container.log.2"))
        #expect(!FileIO.exists(logs + "/container.log.3"))
        let last = try #require(current.split(separator: "\n").last)
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stderr F to-stderr$/#
        #expect(last.wholeMatch(of: pattern) != nil, "\(last)")
        #expect(current.contains(" stdout F line-299\n"))
        #expect(FileIO.exists(logs + "/container.log"))
    }
}
