import AICoreAddresses
import AICoreErrors
import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Synchronization
import Testing
@testable import AICoreRuntime

/// `shm_size`, `sysctls` and the cgroup settings beyond memory, cpus and pids, seen from a real
/// started instance: its /dev/shm, the sysctls its namespaces hold (the host's unchanged), and
/// its cgroup's files.
extension LinuxTaskDriverTests {
    /// What `command` prints inside the running instance (made by its init, in its namespaces).
    func inside(_ handle: TaskHandle, _ command: String) async throws -> String {
        let outcome = try await driver.run(handle, command: ["sh", "-c", command], timeout: .seconds(20), outputLimit: 1 << 16)
        #expect(outcome.ending == .exited(.exited(0)), "\(command): \(outcome.output)")
        return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func shmSizeIsTheSizeOfDevShm() async throws {
        let name = TestEnvironment.uniqueName("shm")
        var s = spec(name, ["sleep", "30"])
        s.shmSizeBytes = 32 << 20
        let handle = try await driver.startRemovedAfterTest(s)
        // df's 1K-blocks: the tmpfs's size.
        #expect(try await inside(handle, "df -k /dev/shm | tail -n 1 | awk '{print $2}'") == "32768")
        #expect(try await inside(handle, "grep ' /dev/shm ' /proc/mounts").contains("size=32768k"))
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }

        // Without it, Docker's 64 MiB.
        let plain = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("shm"), ["sleep", "30"]))
        #expect(try await inside(plain, "df -k /dev/shm | tail -n 1 | awk '{print $2}'") == "65536")
        _ = try await driver.stop(plain, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(plain) }
        expectNothingLeft(plain)
    }

    static let namespacedSysctls = [
        "net.ipv4.ip_forward": "1", "net.core.somaxconn": "777", "kernel.shmmni": "1234", "kernel.msgmax": "4242",
        "fs.mqueue.msg_max": "20",
    ]

    static func hostSysctls() throws -> [String: String] {
        var values: [String: String] = [:]
        for name in namespacedSysctls.keys {
            values[name] = try FileIO.readString("/proc/sys/" + name.replacingOccurrences(of: ".", with: "/"))
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return values
    }

    @Test func sysctlsAreWrittenInTheInstancesNamespacesAndTheHostKeepsItsOwn() async throws {
        let host = try Self.hostSysctls()
        #expect(host["net.ipv4.ip_forward"] == "0", "this host must not forward: tests never change that")
        let name = TestEnvironment.uniqueName("sysctl")
        var s = spec(name, ["sleep", "30"])
        s.network = .none
        s.sysctls = Self.namespacedSysctls
        let handle = try await driver.startRemovedAfterTest(s)
        let names = Self.namespacedSysctls.keys.sorted()
        let paths = names.map { "/proc/sys/" + $0.replacingOccurrences(of: ".", with: "/") }.joined(separator: " ")
        let seen = try await inside(handle, "cat \(paths)").split(separator: "\n").map(String.init)
        #expect(seen == names.map { Self.namespacedSysctls[$0] ?? "" })
        #expect(try Self.hostSysctls() == host)
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
        #expect(try Self.hostSysctls() == host)
    }

    @Test(arguments: [
        ("net.ipv4.ip_forward", TaskSpec.Network.host, "this instance has the host's (network_mode: host): setting it would change the host"),
        ("kernel.pid_max", TaskSpec.Network.none, "sysctl kernel.pid_max is not namespaced: setting it would change the host"),
        ("vm.swappiness", TaskSpec.Network.none, "sysctl vm.swappiness is not namespaced"),
        ("net.core.somaxconn", TaskSpec.Network.joining(instance: "other"), "which this instance shares with other: set it there"),
    ])
    func aSysctlThatWouldChangeTheHostIsRefusedBeforeAnythingStarts(_ sysctl: String, _ network: TaskSpec.Network, _ message: String) async throws {
        let host = try FileIO.readString("/proc/sys/" + sysctl.replacingOccurrences(of: ".", with: "/"))
        let name = TestEnvironment.uniqueName("hostsysctl")
        var s = spec(name, ["sleep", "30"])
        s.network = network
        s.sysctls = [sysctl: "1"]
        try await expectRefusedStart(s) { error in
            #expect(error.code == .invalidSpec)
            #expect(error.message.contains(message), "\(error.message)")
        }
        #expect(try FileIO.readString("/proc/sys/" + sysctl.replacingOccurrences(of: ".", with: "/")) == host)
        #expect(!FileIO.exists(stateDir + "/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }

    /// The content of `file` in whichever of the instance's cgroup directories has it.
    func cgroupFile(_ handle: TaskHandle, _ file: String) -> String? {
        for dir in handle.cgroup?.directories ?? [] {
            if let text = try? FileIO.readString(dir + "/" + file) { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        return nil
    }

    @Test func cpuAndMemorySettingsReachTheCgroupAndTheWorkload() async throws {
        let name = TestEnvironment.uniqueName("cgkeys")
        var limits = CgroupLimits(memoryBytes: 64 << 20, cpus: 0.5, pidsMax: 100)
        limits.cpuShares = 512
        limits.cpuPeriod = 50_000
        limits.cpusetCPUs = "0"
        limits.memorySwappiness = 10
        limits.memoryPlusSwapBytes = 128 << 20
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sleep", "30"], limits: limits))
        if handle.cgroup?.unifiedDirectory != nil {
            #expect(cgroupFile(handle, "cpu.max") == "25000 50000")
            #expect(cgroupFile(handle, "cpu.weight") == "20")
            #expect(cgroupFile(handle, "cpuset.cpus") == "0")
            #expect(cgroupFile(handle, "memory.swap.max") == String(64 << 20))
        } else {
            #expect(cgroupFile(handle, "cpu.cfs_period_us") == "50000")
            #expect(cgroupFile(handle, "cpu.cfs_quota_us") == "25000")
            #expect(cgroupFile(handle, "cpu.shares") == "512")
            #expect(cgroupFile(handle, "cpuset.cpus") == "0")
            #expect(cgroupFile(handle, "memory.swappiness") == "10")
            #expect(cgroupFile(handle, "memory.limit_in_bytes") == String(64 << 20))
            #expect(cgroupFile(handle, "memory.memsw.limit_in_bytes") == String(128 << 20))
        }
        // The workload, and what the init makes later, run on CPU 0 only.
        #expect(try await inside(handle, "grep Cpus_allowed_list /proc/self/status") == "Cpus_allowed_list:\t0")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func aCpusetOfCPUsTheHostDoesNotHaveIsRefusedByName() async throws {
        let online = try FileIO.readString(CPUSet.onlineFile).trimmingCharacters(in: .whitespacesAndNewlines)
        let name = TestEnvironment.uniqueName("cpuset")
        var limits = CgroupLimits()
        limits.cpusetCPUs = "8000"
        try await expectRefusedStart(spec(name, ["sleep", "30"], limits: limits)) { error in
            #expect(error.message.contains("cpuset 8000 names CPUs this host does not have online (8000); online: \(online)"), "\(error.message)")
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }
}

extension LinuxTaskDriverTests {
    @Test func groupAddGivesTheWorkloadGroupsByNameAndNumber() async throws {
        let name = TestEnvironment.uniqueName("groups")
        var s = spec(name, ["sleep", "30"], user: "1001")
        s.groupAdd = ["staff", "4242", "staff"]
        let handle = try await driver.startRemovedAfterTest(s)
        // The host root's /etc/group (this spec has no image): staff is 50.
        #expect(try await inside(handle, "id -G") == "1001 50 4242")
        #expect(try await inside(handle, "grep ^Groups: /proc/self/status") == "Groups:\t50 4242")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func aGroupTheRootDoesNotHaveFailsTheStart() async throws {
        let name = TestEnvironment.uniqueName("nogroup")
        var s = spec(name, ["sleep", "30"])
        s.groupAdd = ["no-such-group-here"]
        try await expectRefusedStart(s) { error in
            #expect(error.code == .invalidSpec)
            #expect(error.message == "unable to find group no-such-group-here (group_add): no matching entries in the instance's /etc/group")
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
    }
}

extension LinuxTaskDriverTests {
    @Test func aPrivilegedInstanceIsRefusedUnlessTheDriverAllowsIt() async throws {
        let name = TestEnvironment.uniqueName("priv")
        var s = spec(name, ["sleep", "30"])
        s.privileged = true
        try await expectRefusedStart(s) { error in
            #expect(error.code == .invalidSpec)
            #expect(error.message.contains("is privileged, which this agent does not allow"))
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }

    @Test func aPrivilegedInstanceHasEveryCapabilityNoSeccompAndEveryDeviceAndIsLogged() async throws {
        let notices = Notices()
        var configuration = LinuxTaskDriver.Configuration(stateRoot: stateDir)
        configuration.allowsPrivileged = true
        configuration.notice = { id, message in notices.append("\(id): \(message)") }
        let privileged = try LinuxTaskDriver(configuration: configuration, cgroups: driver.cgroups)
        let name = TestEnvironment.uniqueName("priv")
        var s = spec(name, ["sleep", "30"])
        s.privileged = true
        let handle = try await privileged.startRemovedAfterTest(s)
        let ownCaps = try FileIO.readString("/proc/self/status").split(separator: "\n").first { $0.hasPrefix("CapBnd:") }
        let status = try await privileged.run(handle, command: ["sh", "-c", "grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status"],
                                              timeout: .seconds(20), outputLimit: 1 << 16).output
        #expect(status.contains("Seccomp:\t0"), "\(status)")
        #expect(status.contains(String(ownCaps ?? "none")), "\(status)")
        #expect(status.contains("CapEff:\t" + (ownCaps?.split(separator: "\t").last ?? "")), "\(status)")
        // /dev/net/tun opens (an unprivileged instance gets EPERM), and /proc/kcore is not masked.
        let tun = try await privileged.run(handle, command: ["sh", "-c", "mknod /dev/tun c 10 200 && exec 3<>/dev/tun && echo opened; grep -c ' /proc/kcore ' /proc/mounts"],
                                           timeout: .seconds(20), outputLimit: 1 << 16).output
        #expect(tun == "opened\n0\n", "\(tun)")
        #expect(notices.all.contains { $0.hasPrefix("\(name): starting PRIVILEGED instance \(name)") })
        _ = try await privileged.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { try privileged.remove(handle) }
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }

    @Test func anUnprivilegedInstanceCannotOpenTheTunDevice() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("tun"), ["sleep", "30"]))
        let outcome = try await driver.run(handle, command: ["sh", "-c", "mknod /dev/tun c 10 200 && exec 3<>/dev/tun"],
                                           timeout: .seconds(20), outputLimit: 1 << 16)
        #expect(outcome.ending != .exited(.exited(0)))
        #expect(outcome.output.contains("Operation not permitted"), "\(outcome.output)")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
    }
}

/// What the driver's `notice` said, from its threads.
final class Notices: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

extension LinuxTaskDriverTests {
    @Test func aDeviceOfTheSpecIsInDevAndOpensWithItsPermissions() async throws {
        let name = TestEnvironment.uniqueName("dev")
        var s = spec(name, ["sleep", "30"])
        s.devices = [TaskSpec.Device(source: "/dev/net/tun", target: "/dev/net/tun", permissions: "rw"),
                     TaskSpec.Device(source: "/dev/fuse", target: "/dev/fuse", permissions: "r")]
        let handle = try await driver.startRemovedAfterTest(s)
        #expect(try await inside(handle, "exec 3<>/dev/net/tun && echo opened") == "opened")
        // Read only: writing is refused by the device cgroup.
        #expect(try await inside(handle, "exec 3</dev/fuse && echo read; (exec 4>/dev/fuse) 2>&1 | grep -c 'Operation not permitted'") == "read\n1")
        if handle.cgroup?.unifiedDirectory == nil {
            #expect(cgroupFile(handle, "devices.list")?.contains("c 10:200 rw") == true)
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func aDeviceThatIsNoDeviceNodeFailsTheStart() async throws {
        let name = TestEnvironment.uniqueName("nodev")
        var s = spec(name, ["sleep", "30"])
        s.devices = [TaskSpec.Device(source: "/etc/hostname", target: "/dev/x")]
        try await expectRefusedStart(s) { error in
            #expect(error.message == "device /etc/hostname is not a device node on this host")
        }
        #expect(!FileIO.exists(stateDir + "/" + name))
    }
}

extension LinuxTaskDriverTests {
    @Test func blockIOThrottlesReachTheCgroupOfTheInstance() async throws {
        let disk = try #require(["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/loop0"].first { path in
            var info = stat()
            return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFBLK
        })
        var info = stat()
        lstat(disk, &info)
        let number = deviceNumber(info.st_rdev)
        let name = TestEnvironment.uniqueName("blkio")
        var limits = CgroupLimits()
        limits.blockIO = BlockIOLimits(throttles: [.readBPS: [.init(path: disk, value: 1 << 20)], .writeIOPS: [.init(path: disk, value: 100)]])
        let handle = try await driver.startRemovedAfterTest(spec(name, ["sleep", "30"], limits: limits))
        if handle.cgroup?.unifiedDirectory != nil {
            #expect(cgroupFile(handle, "io.max")?.contains("\(number) rbps=1048576 wbps=max riops=max wiops=100") == true)
        } else {
            #expect(cgroupFile(handle, "blkio.throttle.read_bps_device") == "\(number) 1048576")
            #expect(cgroupFile(handle, "blkio.throttle.write_iops_device") == "\(number) 100")
        }
        if handle.cgroup?.unifiedDirectory == nil {
            // The workload is in that blkio cgroup (on v2 the one cgroup holds everything).
            #expect(try await inside(handle, "grep -c :blkio:/aicore/test/\(name)$ /proc/self/cgroup") == "1")
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        expectNothingLeft(handle)
    }

    @Test func aBlockIOLimitOnWhatIsNoBlockDeviceFailsTheStartByName() async throws {
        let name = TestEnvironment.uniqueName("blkio")
        var limits = CgroupLimits()
        limits.blockIO = BlockIOLimits(throttles: [.readBPS: [.init(path: "/dev/null", value: 1 << 20)]])
        try await expectRefusedStart(spec(name, ["sleep", "30"], limits: limits)) { error in
            #expect(error.message.contains("/dev/null is not a block device on this host"), "\(error.message)")
        }
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
    }
}

/// `MAJ:MIN` of a dev_t (glibc's encoding).
func deviceNumber(_ rdev: dev_t) -> String {
    let dev = UInt64(rdev)
    return "\(((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))):\((dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))"
}
