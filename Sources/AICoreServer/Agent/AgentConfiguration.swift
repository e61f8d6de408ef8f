import AICoreAddresses
import AICoreController
import AICoreNetwork
import AICoreOS
import AICoreSpec
import Foundation
import Yams

/// Where an agent keeps its state and how it is reached: `/etc/aicore/aicore.yml`, overridden
/// by command-line flags. Every path is configurable; the embedded mode (`up` with no agent)
/// puts everything under one local directory.
public struct AgentConfiguration: Sendable, Equatable {
    /// The Store (`state.db`), named volumes and the seccomp cache.
    public var stateDirectory: String
    /// Instance state directories (init pid files, exit files). Tmpfs on a real host.
    public var runDirectory: String
    /// Instance log files.
    public var logDirectory: String
    /// The unix socket of the REST endpoint (mode 0660, group `socketGroup`).
    public var socketPath: String
    /// The group that may use the socket; when it does not exist the socket stays root-only.
    public var socketGroup: String
    /// `HOST:PORT` for REST over TCP; refused unless `tokenFile` is set.
    public var listen: String?
    /// A file holding the bearer token TCP clients must send.
    public var tokenFile: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Idle and handshake timeouts and the connection cap of the TCP endpoint
    /// (`tcp_idle_timeout`, `tls_handshake_timeout` in seconds, `tcp_max_connections`).
    public var tcpLimits = TCPLimits()
    /// Stop every instance when the agent shuts down (the embedded mode); an agent under
    /// systemd leaves them running for the next agent to re-adopt.
    public var stopWorkloadsOnExit: Bool
    /// Who makes instance cgroups (`cgroup_driver`): `auto` (systemd's scopes where PID 1 is
    /// systemd with cgroup v2 and answers on D-Bus, else cgroupfs), `systemd` or `cgroupfs`.
    public var cgroupDriver: CgroupDriver = .auto
    /// Threads of the service proxy's own event loops (`proxy_event_loops`); nil: one per core.
    /// 0 runs the proxy on the event loops the REST API uses.
    public var proxyEventLoops: Int?
    /// `registries.insecure`: registries pulled from over plain http (beyond 127.0.0.0/8 and
    /// ::1, which always may); `registries.mirrors`: endpoints tried for docker.io, in order.
    public var registryInsecure: [String] = []
    public var registryMirrors: [String] = []
    /// `networks.default_mode`: where services whose stack file says nothing about networks
    /// go: `bridge` (a `<stack>_default` network, as Compose) or `host`.
    public var networkDefaultMode: StackNetworks.DefaultMode = .bridge
    /// `networks.pools`: where bridge networks' subnets come from (a /24 each by default).
    public var networkPools: [AddressPool] = AddressPool.defaults
    /// `networks.pools6`: where `enable_ipv6` networks' /64s come from; nil: the node's own
    /// ULA /48 (generated once, kept in networks.json).
    public var networkPools6: [IPv6Network]?
    /// `security.allow_privileged`: whether stacks may run `privileged: true` instances (every
    /// capability, no seccomp, every device). Off unless the host's administrator says so.
    public var allowPrivileged = false
    /// `capacity`: CPUs and memory the scheduler hands out to reservations instead of the host's.
    public var capacity = CapacityOverride()
    /// `logging: {driver, options}`: the logging of services whose stack file writes none, as
    /// Docker's daemon.json `log-driver` and `log-opts`; nil: CRI lines, 10 MiB × 3.
    public var defaultLogging: LoggingSettings?

    public init(stateDirectory: String = "/var/lib/aicore", runDirectory: String = "/run/aicore",
                logDirectory: String = "/var/log/aicore", socketPath: String = "/run/aicore/aicore.sock",
                socketGroup: String = "aicore", listen: String? = nil, tokenFile: String? = nil,
                tlsCertificate: String? = nil, tlsKey: String? = nil, stopWorkloadsOnExit: Bool = false) {
        self.stateDirectory = stateDirectory
        self.runDirectory = runDirectory
        self.logDirectory = logDirectory
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.listen = listen
        self.tokenFile = tokenFile
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.stopWorkloadsOnExit = stopWorkloadsOnExit
    }

    /// Everything under one directory: the embedded agent of `up` and tests.
    public static func local(_ directory: String) -> AgentConfiguration {
        AgentConfiguration(stateDirectory: directory, runDirectory: directory + "/run", logDirectory: directory + "/logs",
                           socketPath: directory + "/aicore.sock", stopWorkloadsOnExit: true)
    }

    /// This configuration with its state in `directory` (`agent --state-dir`). Instance state
    /// and logs follow it where nothing else placed them (they are the defaults): an agent of
    /// its own directory never writes to another agent's /run/aicore or /var/log/aicore.
    public func withStateDirectory(_ directory: String) -> AgentConfiguration {
        var configuration = self
        let defaults = AgentConfiguration()
        configuration.stateDirectory = directory
        if runDirectory == defaults.runDirectory { configuration.runDirectory = directory + "/run" }
        if logDirectory == defaults.logDirectory { configuration.logDirectory = directory + "/logs" }
        return configuration
    }

    /// What a workload on the host root must not see of this agent, besides the host's secrets:
    /// its config directory, state, instance state, logs, the socket's directory (a workload
    /// must not reach the API), the token file and the TLS key, wherever they are.
    public var hiddenHostPaths: [String] {
        var paths = ["/etc/aicore", stateDirectory, runDirectory, logDirectory]
        let socketDirectory = (socketPath as NSString).deletingLastPathComponent
        paths.append(socketDirectory.isEmpty || socketDirectory == "/" ? socketPath : socketDirectory)
        paths += [tokenFile, tlsKey].compactMap { $0 }
        return paths
    }

    /// Reads the agent's YAML config file over `defaults`. Unknown keys are errors, so a typo
    /// never silently falls back to a default path.
    public static func load(path: String, over defaults: AgentConfiguration = AgentConfiguration()) throws(AgentConfigurationError) -> AgentConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AgentConfigurationError(path: path, message: "cannot read it: \(error.localizedDescription)")
        }
        return try parse(text, path: path, over: defaults)
    }

    static let keys = ["state_dir", "run_dir", "log_dir", "socket", "socket_group", "listen", "token_file", "tls_cert", "tls_key",
                       "stop_workloads_on_exit", "tcp_idle_timeout", "tls_handshake_timeout", "tcp_max_connections",
                       "cgroup_driver", "proxy_event_loops", "registries", "networks", "security", "capacity", "logging"]

    public static func parse(_ text: String, path: String, over defaults: AgentConfiguration = AgentConfiguration()) throws(AgentConfigurationError) -> AgentConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw AgentConfigurationError(path: path, message: "not valid YAML: \(error)")
        }
        guard let node else { return defaults }
        guard let mapping = node.mapping else {
            throw AgentConfigurationError(path: path, message: "expected a mapping of settings at the top")
        }
        var configuration = defaults
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark.map { ":\($0.line):\($0.column)" } ?? ""
            guard keys.contains(key) else {
                throw AgentConfigurationError(path: path + line, message: "unknown setting `\(key)`; known: \(keys.joined(separator: ", "))")
            }
            if key == "stop_workloads_on_exit" {
                guard let flag = value.bool else {
                    throw AgentConfigurationError(path: path + line, message: "`\(key)` expects true or false")
                }
                configuration.stopWorkloadsOnExit = flag
                continue
            }
            if key.hasPrefix("tcp_") || key == "tls_handshake_timeout" {
                guard let number = value.int, number > 0 else {
                    throw AgentConfigurationError(path: path + line, message: "`\(key)` expects a positive whole number"
                        + (key == "tcp_max_connections" ? "" : " of seconds"))
                }
                switch key {
                case "tcp_idle_timeout": configuration.tcpLimits.idleTimeout = .seconds(number)
                case "tls_handshake_timeout": configuration.tcpLimits.handshakeTimeout = .seconds(number)
                default: configuration.tcpLimits.maxConnections = number
                }
                continue
            }
            if key == "registries" {
                guard let settings = value.mapping else {
                    throw AgentConfigurationError(path: path + line, message: "`registries` expects a mapping with `insecure` and `mirrors`")
                }
                for (nameNode, list) in settings {
                    let name = nameNode.string ?? ""
                    let at = nameNode.mark.map { ":\($0.line):\($0.column)" } ?? ""
                    guard ["insecure", "mirrors"].contains(name) else {
                        throw AgentConfigurationError(path: path + at, message: "unknown setting `registries.\(name)`; known: insecure, mirrors")
                    }
                    guard let items = list.sequence?.map({ $0.string ?? "" }), items.allSatisfy({ !$0.isEmpty }) else {
                        throw AgentConfigurationError(path: path + at, message: "`registries.\(name)` expects a list of " + (name == "insecure" ? "hosts (host, host:port or an IPv4 CIDR)" : "URLs (https://mirror.example)"))
                    }
                    if name == "insecure" { configuration.registryInsecure = items } else { configuration.registryMirrors = items }
                }
                continue
            }
            if key == "networks" {
                try parseNetworks(value, into: &configuration, path: path, at: line)
                continue
            }
            if key == "capacity" {
                try parseCapacity(value, into: &configuration, path: path, at: line)
                continue
            }
            if key == "security" {
                try parseSecurity(value, into: &configuration, path: path, at: line)
                continue
            }
            if key == "logging" {
                // Read by the stack loader's own rules, from the same text, so the two agree.
                switch LoggingSettings.agentDefault(fromConfig: text, file: path) {
                case let .success(settings): configuration.defaultLogging = settings
                case let .failure(error):
                    let first = error.diagnostics.first
                    throw AgentConfigurationError(path: path + (first?.location.map { ":\($0.line):\($0.column)" } ?? line),
                                                  message: "\(first?.keyPath ?? "logging"): \(first?.message ?? "invalid")")
                }
                continue
            }
            if key == "proxy_event_loops" {
                guard let number = value.int, number >= 0 else {
                    throw AgentConfigurationError(path: path + line, message: "`\(key)` expects a whole number of threads, 0 or more"
                        + " (0: share the REST API's event loops)")
                }
                configuration.proxyEventLoops = number
                continue
            }
            if key == "cgroup_driver" {
                guard let name = value.string, let driver = CgroupDriver(rawValue: name) else {
                    throw AgentConfigurationError(path: path + line, message: "`\(key)` expects "
                        + CgroupDriver.allCases.map(\.rawValue).joined(separator: ", ")
                        + (value.string.map { ", got `\($0)`" } ?? ""))
                }
                configuration.cgroupDriver = driver
                continue
            }
            guard let string = value.string, !string.isEmpty else {
                throw AgentConfigurationError(path: path + line, message: "`\(key)` expects a non-empty string")
            }
            switch key {
            case "state_dir": configuration.stateDirectory = string
            case "run_dir": configuration.runDirectory = string
            case "log_dir": configuration.logDirectory = string
            case "socket": configuration.socketPath = string
            case "socket_group": configuration.socketGroup = string
            case "listen": configuration.listen = string
            case "token_file": configuration.tokenFile = string
            case "tls_cert": configuration.tlsCertificate = string
            default: configuration.tlsKey = string
            }
        }
        return configuration
    }
}

extension AgentConfiguration {
    /// `networks: {default_mode: bridge|host, pools: [{base: 10.220.0.0/16, size: 24}]}`
    /// (the pools as Docker's `default-address-pools`).
    static func parseNetworks(_ value: Node, into configuration: inout AgentConfiguration, path: String, at line: String) throws(AgentConfigurationError) {
        guard let settings = value.mapping else {
            throw AgentConfigurationError(path: path + line, message: "`networks` expects a mapping with `default_mode` and `pools`")
        }
        for (nameNode, setting) in settings {
            let name = nameNode.string ?? ""
            let at = path + (nameNode.mark.map { ":\($0.line):\($0.column)" } ?? "")
            switch name {
            case "default_mode":
                guard let text = setting.string, let mode = StackNetworks.DefaultMode(rawValue: text) else {
                    throw AgentConfigurationError(path: at, message: "`networks.default_mode` expects bridge or host"
                        + (setting.string.map { ", got `\($0)`" } ?? ""))
                }
                configuration.networkDefaultMode = mode
            case "pools":
                guard let items = setting.sequence, !items.isEmpty else {
                    throw AgentConfigurationError(path: at, message: "`networks.pools` expects a list of {base: CIDR, size: prefix length}")
                }
                var pools: [AddressPool] = []
                for item in items {
                    let itemAt = path + (item.mark.map { ":\($0.line):\($0.column)" } ?? "")
                    guard let mapping = item.mapping, let baseText = mapping["base"]?.string, let base = IPv4Network(baseText),
                          let size = mapping["size"]?.int, mapping.count == 2 else {
                        throw AgentConfigurationError(path: itemAt, message: "each of `networks.pools` expects {base: an IPv4 CIDR such as 10.220.0.0/16, size: a prefix length such as 24}")
                    }
                    guard let pool = AddressPool(base: base, size: size) else {
                        throw AgentConfigurationError(path: itemAt, message: "pool \(baseText) with size \(size): size must be at least the base's prefix (/\(base.prefix)) and at most 30")
                    }
                    pools.append(pool)
                }
                configuration.networkPools = pools
            case "pools6":
                guard let items = setting.sequence, !items.isEmpty else {
                    throw AgentConfigurationError(path: at, message: "`networks.pools6` expects a list of IPv6 prefixes such as fd12:3456:789a::/48")
                }
                var pools: [IPv6Network] = []
                for item in items {
                    let itemAt = path + (item.mark.map { ":\($0.line):\($0.column)" } ?? "")
                    guard let text = item.string, let pool = IPv6Network(text), pool.prefix <= NetworkAllocations.ipv6SubnetPrefix else {
                        throw AgentConfigurationError(path: itemAt, message: "each of `networks.pools6` expects an IPv6 prefix of /64 or shorter, such as fd12:3456:789a::/48"
                            + (item.string.map { ", got `\($0)`" } ?? ""))
                    }
                    pools.append(pool.normalized)
                }
                configuration.networkPools6 = pools
            default:
                throw AgentConfigurationError(path: at, message: "unknown setting `networks.\(name)`; known: default_mode, pools, pools6")
            }
        }
    }
}

/// The agent's config file is wrong: where, and what to change.
public struct AgentConfigurationError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
