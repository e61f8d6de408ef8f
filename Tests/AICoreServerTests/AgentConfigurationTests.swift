import Foundation
import AICoreNetwork
import AICoreOS
import Testing
import AICoreController
@testable import AICoreServer

@Suite struct AgentConfigurationTests {
    @Test func settingsOverrideTheDefaults() throws {
        let text = "state_dir: /srv/aicore\nlisten: 127.0.0.1:7443\ntoken_file: /etc/aicore/token\nstop_workloads_on_exit: true\n"
        let configuration = try AgentConfiguration.parse(text, path: "aicore.yml")
        #expect(configuration.stateDirectory == "/srv/aicore")
        #expect(configuration.listen == "127.0.0.1:7443")
        #expect(configuration.tokenFile == "/etc/aicore/token")
        #expect(configuration.stopWorkloadsOnExit)
        #expect(configuration.socketPath == "/run/aicore/aicore.sock")
    }

    @Test func aStateDirectoryOfItsOwnTakesTheInstanceStateAndLogsAlong() throws {
        let own = AgentConfiguration().withStateDirectory("/srv/agent")
        #expect(own.stateDirectory == "/srv/agent")
        #expect(own.runDirectory == "/srv/agent/run" && own.logDirectory == "/srv/agent/logs")
        #expect(own.socketPath == AgentConfiguration().socketPath, "the socket stays where the CLI looks for it")
        // What a config file (or a flag) placed elsewhere stays there.
        let placed = try AgentConfiguration.parse("run_dir: /run/other\n", path: "aicore.yml").withStateDirectory("/srv/agent")
        #expect(placed.runDirectory == "/run/other" && placed.logDirectory == "/srv/agent/logs")
    }

    @Test func workloadsOnTheHostRootSeeNoneOfTheAgentsFilesWhereverTheyAre() throws {
        let text = """
            state_dir: /srv/aicore/state
            run_dir: /srv/aicore/run
            log_dir: /data/logs/aicore
            socket: /srv/api/aicore.sock
            token_file: /opt/keys/token
            tls_cert: /opt/keys/agent.crt
            tls_key: /opt/keys/agent.key

            """
        let hidden = try AgentConfiguration.parse(text, path: "aicore.yml").hiddenHostPaths
        for path in ["/etc/aicore", "/srv/aicore/state", "/srv/aicore/run", "/data/logs/aicore", "/srv/api",
                     "/opt/keys/token", "/opt/keys/agent.key"] {
            #expect(hidden.contains(path), "\(path) in \(hidden)")
        }
        #expect(!hidden.contains("/opt/keys/agent.crt"), "a certificate is public")
        #expect(AgentConfiguration(socketPath: "/aicore.sock").hiddenHostPaths.contains("/aicore.sock"), "never / itself")
    }

    @Test func anEmptyFileKeepsTheDefaults() throws {
        #expect(try AgentConfiguration.parse("", path: "aicore.yml") == AgentConfiguration())
    }

    @Test func aTypoIsAnErrorNamingTheKnownSettings() {
        #expect {
            _ = try AgentConfiguration.parse("state_directory: /x\n", path: "aicore.yml")
        } throws: { error in
            "\(error)".hasPrefix("aicore.yml:1:1: unknown setting `state_directory`")
        }
    }

    @Test func aWrongTypeIsAnError() {
        #expect(throws: AgentConfigurationError.self) {
            _ = try AgentConfiguration.parse("stop_workloads_on_exit: maybe\n", path: "aicore.yml")
        }
    }

    @Test func theTCPLimitsAreSettings() throws {
        #expect(AgentConfiguration().tcpLimits == TCPLimits(idleTimeout: .seconds(60), handshakeTimeout: .seconds(10), maxConnections: 256))
        let configuration = try AgentConfiguration.parse("tcp_idle_timeout: 5\ntls_handshake_timeout: 2\ntcp_max_connections: 10\n",
                                                         path: "aicore.yml")
        #expect(configuration.tcpLimits == TCPLimits(idleTimeout: .seconds(5), handshakeTimeout: .seconds(2), maxConnections: 10))
        #expect {
            _ = try AgentConfiguration.parse("tcp_idle_timeout: 0\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:1:1: `tcp_idle_timeout` expects a positive whole number of seconds"
        }
        #expect {
            _ = try AgentConfiguration.parse("tcp_max_connections: many\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:1:1: `tcp_max_connections` expects a positive whole number"
        }
    }

    @Test func theProxyHasItsOwnEventLoopsUnlessTheFileSaysOtherwise() throws {
        #expect(AgentConfiguration().proxyEventLoops == nil)
        #expect(try AgentConfiguration.parse("proxy_event_loops: 4\n", path: "aicore.yml").proxyEventLoops == 4)
        #expect(try AgentConfiguration.parse("proxy_event_loops: 0\n", path: "aicore.yml").proxyEventLoops == 0)
        #expect {
            _ = try AgentConfiguration.parse("proxy_event_loops: -1\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:1:1: `proxy_event_loops` expects a whole number of threads, 0 or more (0: share the REST API's event loops)"
        }
    }

    @Test func registriesListInsecureHostsAndMirrorsAndRefuseAnythingElse() throws {
        let parsed = try AgentConfiguration.parse("""
            registries:
              insecure: [reg.lan:5000, 10.0.0.0/8]
              mirrors: [https://mirror.example]
            """, path: "aicore.yml")
        #expect(parsed.registryInsecure == ["reg.lan:5000", "10.0.0.0/8"])
        #expect(parsed.registryMirrors == ["https://mirror.example"])
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOfFile: root.appendingPathComponent("config/aicore.yml").path, encoding: .utf8)
        #expect(try AgentConfiguration.parse(shipped, path: "config/aicore.yml").registryMirrors == [])
        #expect {
            _ = try AgentConfiguration.parse("registries:\n  insecure: plain\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:2:3: `registries.insecure` expects a list of hosts (host, host:port or an IPv4 CIDR)"
        }
        #expect {
            _ = try AgentConfiguration.parse("registries:\n  mirror: [x]\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:2:3: unknown setting `registries.mirror`; known: insecure, mirrors"
        }
    }

    @Test func networksTakeADefaultModeAndAddressPools() throws {
        #expect(AgentConfiguration().networkPools == AddressPool.defaults)
        let parsed = try AgentConfiguration.parse("""
            networks:
              default_mode: host
              pools:
                - {base: 10.50.0.0/16, size: 26}
              pools6:
                - fd12:3456:789a:10::5/60
            """, path: "aicore.yml")
        #expect(parsed.networkDefaultMode == .host)
        #expect(parsed.networkPools.map(\.description) == ["10.50.0.0/16 in /26s"])
        #expect(parsed.networkPools6?.map(\.description) == ["fd12:3456:789a:10::/60"])
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOfFile: root.appendingPathComponent("config/aicore.yml").path, encoding: .utf8)
        let defaults = try AgentConfiguration.parse(shipped, path: "config/aicore.yml")
        #expect(defaults.networkDefaultMode == .bridge)
        #expect(defaults.networkPools == AddressPool.defaults, "the shipped file says what the defaults are")
        #expect(defaults.networkPools6 == nil, "the node's own ULA prefix by default")
        let refusals = [
            ("networks:\n  default_mode: overlay\n", "aicore.yml:2:3: `networks.default_mode` expects bridge or host, got `overlay`"),
            ("networks:\n  pools: [{base: 10.50.0.0/16, size: 8}]\n",
             "aicore.yml:2:11: pool 10.50.0.0/16 with size 8: size must be at least the base's prefix (/16) and at most 30"),
            ("networks:\n  pools: [10.50.0.0/16]\n",
             "aicore.yml:2:11: each of `networks.pools` expects {base: an IPv4 CIDR such as 10.220.0.0/16, size: a prefix length such as 24}"),
            ("networks:\n  pools6: [fd00::/80]\n",
             "aicore.yml:2:12: each of `networks.pools6` expects an IPv6 prefix of /64 or shorter, such as fd12:3456:789a::/48, got `fd00::/80`"),
            ("networks:\n  pool: []\n", "aicore.yml:2:3: unknown setting `networks.pool`; known: default_mode, pools, pools6"),
        ]
        for (text, message) in refusals {
            #expect { _ = try AgentConfiguration.parse(text, path: "aicore.yml") } throws: { "\($0)" == message }
        }
    }

    @Test func theCgroupDriverIsAutoUnlessTheFileNamesOne() throws {
        #expect(AgentConfiguration().cgroupDriver == .auto)
        for driver in CgroupDriver.allCases {
            #expect(try AgentConfiguration.parse("cgroup_driver: \(driver)\n", path: "aicore.yml").cgroupDriver == driver)
        }
    }

    @Test func anUnknownCgroupDriverIsAnErrorNamingTheKnownOnes() {
        #expect {
            _ = try AgentConfiguration.parse("state_dir: /srv/aicore\ncgroup_driver: systemd-cgroup\n", path: "aicore.yml")
        } throws: { error in
            "\(error)" == "aicore.yml:2:1: `cgroup_driver` expects auto, systemd, cgroupfs, got `systemd-cgroup`"
        }
    }
}

@Suite struct AgentCapacityOverrideTests {
    @Test func declaredCPUsAndMemoryReplaceWhatTheHostHasWithNoReserveTakenOff() throws {
        let configuration = try AgentConfiguration.parse("capacity:\n  cpus: 8\n  memory: 16g\n", path: "aicore.yml")
        #expect(configuration.capacity == CapacityOverride(cpus: 8, memoryBytes: 16 << 30))
        let measured = NodeCapacity(node: "local", cpus: 1.9, memoryBytes: 2 << 30)
        #expect(configuration.capacity.applied(to: measured) == NodeCapacity(node: "local", cpus: 8, memoryBytes: 16 << 30))
    }

    @Test func whatIsNotDeclaredStaysMeasured() throws {
        let configuration = try AgentConfiguration.parse("capacity: {cpus: 2.5}\n", path: "aicore.yml")
        let measured = NodeCapacity(node: "local", cpus: 1.9, memoryBytes: 2 << 30)
        #expect(configuration.capacity.applied(to: measured) == NodeCapacity(node: "local", cpus: 2.5, memoryBytes: 2 << 30))
        #expect(AgentConfiguration().capacity.applied(to: measured) == measured)
    }

    @Test(arguments: [
        ("capacity: 8\n", "aicore.yml:1:1: `capacity` expects a mapping with `cpus` and `memory`"),
        ("capacity:\n  cpus: 0\n", "aicore.yml:2:3: `capacity.cpus` expects a positive number of CPUs, such as 8 or 1.5, got `0`"),
        ("capacity:\n  memory: lots\n", "aicore.yml:2:3: `capacity.memory` expects a size such as 16g or 512m, got `lots`"),
        ("capacity:\n  gpus: 1\n", "aicore.yml:2:3: unknown setting `capacity.gpus`; known: cpus, memory"),
    ])
    func aWrongCapacityIsALocatedError(text: String, message: String) {
        #expect {
            _ = try AgentConfiguration.parse(text, path: "aicore.yml")
        } throws: { error in
            "\(error)" == message
        }
    }
}
