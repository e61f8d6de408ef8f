import AICoreAddresses
import Foundation
import Testing

@testable import AICoreSpec

/// `shm_size`, `sysctls` and the cgroup keys beyond `deploy.resources`: what each loads into,
/// that `config print` writes it back the same, and each mistake as one located error.
@Suite("Kernel settings of a service")
struct KernelSettingsDecoderTests {
    static func service(_ keys: String) throws -> Service {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader + keys)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        return try #require(loaded.stack.services.first)
    }

    @Test("shm_size is the size of /dev/shm")
    func shmSize() throws {
        #expect(try Self.service("    shm_size: 256m\n").kernel.shmSize == ByteSize(bytes: 256 << 20))
        #expect(try Self.service("    shm_size: 1073741824\n").kernel.shmSize == ByteSize(bytes: 1 << 30))
        #expect(try Self.service("").kernel.shmSize == nil)
    }

    @Test("sysctls are a mapping or a list of name=value, namespaced ones only")
    func sysctls() throws {
        let mapping = try Self.service("    sysctls:\n      net.core.somaxconn: 1024\n      kernel.shmmax: 68719476736\n      fs.mqueue.msg_max: 20\n")
        #expect(mapping.kernel.sysctls == ["net.core.somaxconn": "1024", "kernel.shmmax": "68719476736", "fs.mqueue.msg_max": "20"])
        let list = try Self.service("    sysctls:\n      - net.ipv4.ip_local_port_range=1024 65000\n      - kernel.sem=250 32000 100 128\n")
        #expect(list.kernel.sysctls == ["net.ipv4.ip_local_port_range": "1024 65000", "kernel.sem": "250 32000 100 128"])
        // A network of its own (none, or bridge by `networks`) holds net.*.
        let none = try Self.service("    network_mode: none\n    sysctls: [net.ipv4.tcp_syncookies=0]\n")
        #expect(none.kernel.sysctls == ["net.ipv4.tcp_syncookies": "0"])
    }

    @Test("which namespace holds a sysctl")
    func namespaces() {
        #expect(KernelSettings.namespace(ofSysctl: "net.ipv4.conf.eth0.arp_notify") == .network)
        for name in ["kernel.shmmax", "kernel.shm_rmid_forced", "kernel.msgmnb", "kernel.sem", "fs.mqueue.queues_max"] {
            #expect(KernelSettings.namespace(ofSysctl: name) == .ipc, "\(name)")
        }
        for name in ["kernel.pid_max", "vm.swappiness", "fs.file-max", "kernel.domainname", "kernel.hostname"] {
            #expect(KernelSettings.namespace(ofSysctl: name) == nil, "\(name)")
        }
    }

    @Test("the cgroup keys load as written, and cpu_quota gives cpus")
    func cgroupKeys() throws {
        let service = try Self.service("""
                cpu_shares: 512
                cpu_period: 50000
                cpu_quota: 25000
                cpuset: "1,0"
                mem_limit: 512m
                mem_swappiness: 10
                memswap_limit: 1g

            """)
        #expect(service.kernel.cpuShares == 512)
        #expect(service.kernel.cpuPeriod == 50_000)
        #expect(service.kernel.cpuQuota == 25_000)
        #expect(service.deploy.limits.cpus == 0.5)
        #expect(service.kernel.cpuset == "0-1")
        #expect(service.kernel.memSwappiness == 10)
        #expect(service.kernel.memswapLimit == .bytes(ByteSize(bytes: 1 << 30)))
        #expect(try Self.service("    memswap_limit: -1\n").kernel.memswapLimit == .unlimited)
        // The same CPUs both ways agree.
        #expect(try Self.service("    cpus: 0.25\n    cpu_quota: 25000\n").deploy.limits.cpus == 0.25)
    }

    @Test("CPU lists are read as the kernel writes them")
    func cpuLists() {
        #expect(CPUSet(parsing: "0-3,6")?.description == "0-3,6")
        #expect(CPUSet(parsing: "5,4,0-1")?.description == "0-1,4-5")
        for bad in ["", "a", "3-1", "-1", "1-", "1,,2", "0-8192", "1 2"] {
            #expect(CPUSet(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("config print writes them back, and the printout loads into the same service")
    func roundTrip() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader + """
                shm_size: 128m
                sysctls: [net.core.somaxconn=1024, kernel.msgmax=16384]
                cpu_shares: 2048
                cpu_period: 20000
                cpu_quota: 10000
                cpuset: 0
                mem_limit: 256m
                mem_swappiness: 0
                memswap_limit: -1

            """)
        let printed = StackPrinter.render(loaded.stack, format: .yaml)
        #expect(printed.contains("shm_size: 128M"))
        #expect(printed.contains("memswap_limit: -1"))
        try fixture.write("printed.yml", printed)
        let reloaded = try fixture.load(["printed.yml"])
        #expect(reloaded.stack.services.first?.kernel == loaded.stack.services.first?.kernel)
        #expect(reloaded.stack.services.first?.deploy.limits == loaded.stack.services.first?.deploy.limits)
        // A service without them prints (and hashes) as before.
        let plain = try fixture.load(yaml: StackFixture.apiHeader)
        #expect(!StackPrinter.render(plain.stack, format: .yaml).contains("shm_size"))
    }

    @Test("group_add lists names and gids; init is satisfied without a word")
    func groupsAndInit() throws {
        let service = try Self.service("    group_add: [audio, 4242, audio]\n    init: true\n")
        #expect(service.groupAdd == ["audio", "4242"])
        #expect(try Self.service("    init: false\n").groupAdd.isEmpty)
        // Printed as before it was accepted, so the revision of a running service stays.
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader + "    init: true\n")
        #expect(StackPrinter.render(loaded.stack, format: .yaml).contains("init: true"))
    }

    @Test("a platform of this node loads quietly; another is refused when the stack starts")
    func platform() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let own = try fixture.load(yaml: StackFixture.apiHeader + "    platform: linux/\(ServiceDecoder.nodeArchitecture)\n")
        #expect(own.warnings.isEmpty)
        let foreign = ServiceDecoder.nodeArchitecture == "s390x" ? "linux/arm64" : "linux/s390x"
        let other = try fixture.load(yaml: StackFixture.apiHeader + "    platform: \(foreign)\n")
        let warning = try #require(other.warnings.first)
        #expect(warning.kind == .unsupported)
        #expect(warning.keyPath == "services.api.platform")
        #expect(warning.location?.line == 4)
        #expect(warning.message == "`platform: \(foreign)` is not this node's (linux/\(ServiceDecoder.nodeArchitecture)): its image cannot run here, and there is no emulation")
        #expect(other.blockingWarnings.map(\.keyPath) == ["services.api.platform"])
        #expect(ServiceDecoder.ociArchitecture("x86_64") == "amd64")
        #expect(ServiceDecoder.ociArchitecture("aarch64") == "arm64")
    }

    @Test("userns_mode and SELinux or AppArmor options are located warnings that say what is not applied")
    func confinementWarnings() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader + """
                userns_mode: keep-id
                security_opt: ["label:type:svirt_apache_t", "apparmor=docker-default", "no-new-privileges"]

            """)
        let warnings = loaded.warnings.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.keyPath) \($0.kind)" }
        #expect(warnings == ["4:5 services.api.userns_mode ignored", "5:20 services.api.security_opt[0] ignored",
                             "5:49 services.api.security_opt[1] ignored"])
        #expect(loaded.warnings[0].message.hasPrefix("`userns_mode` is not applied: instances share the host's user namespace"))
        #expect(loaded.warnings[1].message.hasPrefix("`label:type:svirt_apache_t` is not applied: instances get no SELinux label"))
        #expect(loaded.warnings[2].message.hasPrefix("`apparmor=docker-default` is not applied: no AppArmor profile is loaded for instances"))
        #expect(loaded.blockingWarnings.isEmpty)
    }

    @Test("ipc: private and shareable, and userns_mode: host, are what every instance has: taken quietly and printed back")
    func namespaceModesEveryInstanceHas() throws {
        for (key, value) in [("ipc", "private"), ("ipc", "shareable"), ("userns_mode", "host")] {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let loaded = try fixture.load(yaml: StackFixture.apiHeader + "    \(key): \(value)\n", strict: true)
            #expect(loaded.warnings.isEmpty, "\(key): \(value): \(loaded.warnings.map(\.description))")
            #expect(StackPrinter.render(loaded.stack, format: .yaml).contains("\(key): \(value)\n"))
        }
    }

    @Test("ipc: host and joining another's IPC namespace are unsupported, each with its reason")
    func ipcRefused() throws {
        for (value, reason) in [("host", "`ipc: host` is not supported: it would give the workload the host's System V IPC objects"),
                                ("service:db", "`ipc: service:db` is not supported: every instance has an IPC namespace of its own")] {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let loaded = try fixture.load(yaml: StackFixture.apiHeader + "    ipc: \"\(value)\"\n")
            #expect(loaded.blockingWarnings.map(\.keyPath) == ["services.api.ipc"])
            #expect(loaded.blockingWarnings.first?.message.hasPrefix(reason) == true, "\(loaded.blockingWarnings.map(\.message))")
            #expect(loaded.blockingWarnings.first?.location?.line == 4)
        }
    }

    @Test("oom_kill_disable is ignored with its reason: the limit's OOM kill stays on")
    func oomKillDisableIsIgnored() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader + "    oom_kill_disable: true\n", strict: true)
        #expect(loaded.warnings.map(\.kind) == [.ignored])
        #expect(loaded.warnings.first?.message.hasPrefix("`oom_kill_disable` is ignored: the memory limit's OOM kill stays on") == true)
    }

    @Test("privileged: true is refused where the agent does not allow it, and loads quietly where it does")
    func privileged() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", StackFixture.apiHeader + "    privileged: true\n")
        let refused = try fixture.load()
        #expect(refused.blockingWarnings.map(\.keyPath) == ["services.api.privileged"])
        #expect(refused.blockingWarnings.first?.location?.line == 4)
        // The agent loads strictly: a located error.
        #expect(throws: StackLoadError.self) { try fixture.load(strict: true) }
        var options = StackLoadOptions(files: [fixture.directory + "/stack.yml"], strict: true, environment: [:])
        options.allowsPrivileged = true
        let allowed = try StackLoader.load(options)
        #expect(allowed.warnings.isEmpty)
        #expect(allowed.stack.services.first?.privileged == true)
        #expect(StackPrinter.render(allowed.stack, format: .yaml).contains("privileged: true"))
        #expect(try Self.service("    privileged: false\n").privileged == false)
    }

    @Test("devices in the short and the long form")
    func devices() throws {
        let service = try Self.service("""
                devices:
                  - /dev/fuse
                  - /dev/net/tun:/dev/net/tun:rw
                  - {source: /dev/kvm, target: /dev/kvm2, permissions: r}

            """)
        #expect(service.devices == [
            DeviceMapping(source: "/dev/fuse", target: "/dev/fuse"),
            DeviceMapping(source: "/dev/net/tun", target: "/dev/net/tun", permissions: "rw"),
            DeviceMapping(source: "/dev/kvm", target: "/dev/kvm2", permissions: "r"),
        ])
    }

    @Test("blkio_config: a weight, per-device weights and throttles")
    func blockIO() throws {
        let service = try Self.service("""
                blkio_config:
                  weight: 300
                  weight_device: [{path: /dev/sda, weight: 400}]
                  device_read_bps: [{path: /dev/sda, rate: 12mb}]
                  device_write_bps: [{path: /dev/sda, rate: 1024k}]
                  device_read_iops: [{path: /dev/sda, rate: 120}]
                  device_write_iops: [{path: /dev/sdb, rate: 30}]

            """)
        let blkio = try #require(service.kernel.blkio)
        #expect(blkio.weight == 300)
        #expect(blkio.weightDevice == [.init(path: "/dev/sda", value: 400)])
        #expect(blkio.deviceReadBps == [.init(path: "/dev/sda", value: 12 << 20)])
        #expect(blkio.deviceWriteBps == [.init(path: "/dev/sda", value: 1 << 20)])
        #expect(blkio.deviceReadIops == [.init(path: "/dev/sda", value: 120)])
        #expect(blkio.deviceWriteIops == [.init(path: "/dev/sdb", value: 30)])
        // Printed and loaded again, the same.
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let stack = Stack(name: "s", services: [service])
        try fixture.write("printed.yml", StackPrinter.render(stack, format: .yaml))
        #expect(try fixture.load(["printed.yml"]).stack.services.first?.kernel.blkio == blkio)
    }

    typealias BadInput = BadInputTests.BadInput

    static let badInputs: [BadInput] = [
        BadInput("shm_size of nothing", StackFixture.apiHeader + "    shm_size: 0\n",
                 at: 4, 15, "services.api.shm_size", "expected a size greater than zero, found \"0\""),
        BadInput("shm_size that is no size", StackFixture.apiHeader + "    shm_size: lots\n",
                 at: 4, 15, "services.api.shm_size", "expected a size like 512m, 2G or 1gb, found \"lots\""),
        BadInput("a sysctl of the whole host", StackFixture.apiHeader + "    sysctls:\n      kernel.pid_max: 4194304\n",
                 at: 5, 7, "services.api.sysctls.kernel.pid_max",
                 "`kernel.pid_max` is not namespaced: the kernel has one value for the whole host, which setting it would change for every process"),
        BadInput("the host name as a sysctl", StackFixture.apiHeader + "    sysctls: [kernel.hostname=api]\n",
                 at: 4, 15, "services.api.sysctls[0]", "`kernel.hostname` is set with the service's `hostname` key, not as a sysctl"),
        BadInput("vm.* in the list form", StackFixture.apiHeader + "    sysctls: [vm.overcommit_memory=1]\n",
                 at: 4, 15, "services.api.sysctls[0]", "`vm.overcommit_memory` is not namespaced"),
        BadInput("a sysctl name that climbs out of /proc/sys", StackFixture.apiHeader + "    sysctls: [\"net/../../x=1\"]\n",
                 at: 4, 15, "services.api.sysctls[0]", "expected a sysctl name like net.core.somaxconn"),
        BadInput("a sysctl with an empty component", StackFixture.apiHeader + "    sysctls: {net..core: 1}\n",
                 at: 4, 15, "services.api.sysctls.net..core", "expected a sysctl name like net.core.somaxconn"),
        BadInput("a sysctl without a value", StackFixture.apiHeader + "    sysctls: [net.core.somaxconn]\n",
                 at: 4, 15, "services.api.sysctls[0]", "`net.core.somaxconn` needs a value"),
        BadInput("net.* on the host's network", StackFixture.apiHeader + "    network_mode: host\n    sysctls: {net.core.somaxconn: 1024}\n",
                 at: 5, 15, "services.api.sysctls.net.core.somaxconn",
                 "`net.core.somaxconn` belongs to the network namespace, and with network_mode: host the instance has the host's: setting it would change the host"),
        BadInput("net.* on another service's network",
                 "services:\n  db:\n    command: sleep 1\n  api:\n    command: sleep 1\n    network_mode: service:db\n    sysctls: [net.core.somaxconn=8]\n",
                 at: 7, 15, "services.api.sysctls[0]", "which this service shares with `db` (network_mode: service:db): set it on db"),
        BadInput("cpu_shares below the kernel's least", StackFixture.apiHeader + "    cpu_shares: 1\n",
                 at: 4, 17, "services.api.cpu_shares", "expected an integer from 2 to 262144, found 1"),
        BadInput("cpu_period beyond a second", StackFixture.apiHeader + "    cpu_period: 2000000\n",
                 at: 4, 17, "services.api.cpu_period", "expected an integer from 1000 to 1000000, found 2000000"),
        BadInput("cpu_quota below a millisecond", StackFixture.apiHeader + "    cpu_quota: 500\n",
                 at: 4, 16, "services.api.cpu_quota", "expected at least 1000 microseconds (the kernel's least quota), or -1 for no limit, found 500"),
        BadInput("cpu_quota that disagrees with cpus", StackFixture.apiHeader + "    cpus: 2\n    cpu_quota: 50000\n",
                 at: 5, 5, "services.api.cpu_quota",
                 "cpu_quota (50000 µs per 100000 µs period: 0.5 CPUs) disagrees with cpus (2); set only one"),
        BadInput("no cpu_quota, and cpus", StackFixture.apiHeader + "    cpus: 1\n    cpu_quota: -1\n",
                 at: 5, 5, "services.api.cpu_quota", "cpu_quota: -1 (no limit) disagrees with cpus (1); set only one"),
        BadInput("cpuset that is no list", StackFixture.apiHeader + "    cpuset: \"3-1\"\n",
                 at: 4, 13, "services.api.cpuset", "expected a list of CPUs like 0-3 or 0,2 (numbers and ascending ranges, separated by commas), found \"3-1\""),
        BadInput("mem_swappiness beyond 100", StackFixture.apiHeader + "    mem_swappiness: 101\n",
                 at: 4, 21, "services.api.mem_swappiness", "expected an integer from 0 to 100, found 101"),
        BadInput("memswap_limit without a memory limit", StackFixture.apiHeader + "    memswap_limit: 1g\n",
                 at: 4, 5, "services.api.memswap_limit", "memswap_limit (1G) needs a memory limit (mem_limit or deploy.resources.limits.memory)"),
        BadInput("memswap_limit below the memory limit", StackFixture.apiHeader + "    mem_limit: 1g\n    memswap_limit: 512m\n",
                 at: 5, 5, "services.api.memswap_limit", "memswap_limit (512M) is memory plus swap, so it may not be below the memory limit (1G)"),
        BadInput("group_add as one string", StackFixture.apiHeader + "    group_add: audio\n",
                 at: 4, 16, "services.api.group_add", "expected a list of group names or numbers, found \"audio\""),
        BadInput("group_add with a gid beyond the kernel's", StackFixture.apiHeader + "    group_add: [4294967295]\n",
                 at: 4, 17, "services.api.group_add[0]", "expected a gid from 0 to 4294967294, found 4294967295"),
        BadInput("group_add with a user:group", StackFixture.apiHeader + "    group_add: [\"app:audio\"]\n",
                 at: 4, 17, "services.api.group_add[0]", "expected a group name or number, found \"app:audio\""),
        BadInput("init that is no boolean", StackFixture.apiHeader + "    init: tini\n",
                 at: 4, 11, "services.api.init", "expected true or false, found \"tini\""),
        BadInput("a device with a relative host path", StackFixture.apiHeader + "    devices: [\"dev/fuse\"]\n",
                 at: 4, 15, "services.api.devices[0]", "expected the host's device node as an absolute path like /dev/fuse, found \"dev/fuse\""),
        BadInput("a device outside /dev in the instance", StackFixture.apiHeader + "    devices: [\"/dev/fuse:/tmp/fuse\"]\n",
                 at: 4, 15, "services.api.devices[0]", "expected a path under /dev inside the instance, like /dev/fuse, found \"/tmp/fuse\""),
        BadInput("a device target that climbs out of /dev", StackFixture.apiHeader + "    devices: [\"/dev/fuse:/dev/../etc/x\"]\n",
                 at: 4, 15, "services.api.devices[0]", "expected a path under /dev inside the instance"),
        BadInput("a device with unknown permissions", StackFixture.apiHeader + "    devices: [\"/dev/fuse:/dev/fuse:rwx\"]\n",
                 at: 4, 15, "services.api.devices[0]", "expected permissions made of r, w and m (e.g. rwm or r), found \"rwx\""),
        BadInput("two devices at one target", StackFixture.apiHeader + "    devices: [/dev/fuse, \"/dev/null:/dev/fuse\"]\n",
                 at: 4, 26, "services.api.devices[1]", "/dev/fuse is already the target of another device"),
        BadInput("a long-form device without a source", StackFixture.apiHeader + "    devices: [{target: /dev/fuse}]\n",
                 at: 4, 15, "services.api.devices[0]", "a device needs a `source`"),
        BadInput("a block I/O weight beyond 1000", StackFixture.apiHeader + "    blkio_config: {weight: 2000}\n",
                 at: 4, 28, "services.api.blkio_config.weight", "expected an integer from 10 to 1000, found 2000"),
        BadInput("a throttle on a relative path", StackFixture.apiHeader + "    blkio_config:\n      device_read_bps: [{path: sda, rate: 1mb}]\n",
                 at: 5, 32, "services.api.blkio_config.device_read_bps[0].path",
                 "expected the host's block device as an absolute path like /dev/sda, found \"sda\""),
        BadInput("a throttle without a rate", StackFixture.apiHeader + "    blkio_config:\n      device_write_iops: [{path: /dev/sda}]\n",
                 at: 5, 27, "services.api.blkio_config.device_write_iops[0]", "a device entry needs `path` and `rate`"),
        BadInput("a misspelt blkio_config key", StackFixture.apiHeader + "    blkio_config: {wieght: 300}\n",
                 at: 4, 20, "services.api.blkio_config.wieght", "unknown key `wieght` in blkio_config; did you mean `weight`?"),
    ]

    @Test("each mistake is one located error", arguments: badInputs)
    func badInput(_ input: BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }
}
