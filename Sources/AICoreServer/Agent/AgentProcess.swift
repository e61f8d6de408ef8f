import AICoreErrors
import AICoreNetwork
import AICoreOS
import AICoreRuntime
import AICoreSystem
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// `aicore-node agent`: the control plane (with the Store), the proxy and the REST endpoints in
/// one `ServiceGroup`, in that order. SIGTERM or SIGINT shut them down in the reverse order: the
/// REST endpoints stop taking requests, the proxy goes (the proxy process is let go with its
/// connections, or, when configured, stopped), then every instance is let go (left running for
/// the next agent) or, when configured, stopped, and the Store is the last thing to go.
///
/// Under systemd it says `READY=1` once its instances are recovered and its sockets bound,
/// `STATUS=` as it goes, and `WATCHDOG=1` while its control plane answers.
public enum AgentProcess {
    public static func run(configuration: AgentConfiguration, proxy: any ProxyControl & Service, logger: Logger,
                           onReady: @escaping @Sendable () -> Void = {}) async throws(AICoreError) {
        // Whatever the agent creates is root's alone unless it says otherwise (state.db, logs,
        // the instances' state); workloads get 022 back before they exec.
        umask(0o077)
        let lock: FileLock
        do {
            try FileIO.makeDirectories(configuration.stateDirectory, mode: 0o711)
            lock = try FileLock(path: configuration.stateDirectory + "/agent.lock")
        } catch {
            throw AICoreError(.conflict, error.errno == EWOULDBLOCK
                ? "another agent already runs on \(configuration.stateDirectory) (it holds agent.lock)"
                : "cannot lock the state directory: \(error)")
        }
        defer { lock.release() }
        var token: String?
        if configuration.listen != nil {
            guard let file = configuration.tokenFile else {
                throw AICoreError(.badRequest, "--listen needs --token-file: the agent never serves TCP without a bearer token")
            }
            try AgentSecretFile.check(file, what: "the token file")
            token = try readToken(file)
        }
        if let key = configuration.tlsKey { try AgentSecretFile.check(key, what: "the TLS key") }
        let tls = try AgentTLS.serverConfiguration(certificate: configuration.tlsCertificate, key: configuration.tlsKey,
                                                   listening: configuration.listen != nil)
        let listen = try configuration.listen.map { text throws(AICoreError) in try parseListen(text) }

        notify("STATUS=choosing the cgroup driver")
        let cgroups = try await LocalNode.cgroupManager(for: configuration)
        logger.notice("cgroup driver: \(cgroups is CgroupSystemdManager ? "systemd (transient scopes in \(SystemdScope.defaultSlice))" : "cgroupfs (cgroup \(cgroups.version))")",
                      metadata: ["cgroup_driver": "\(configuration.cgroupDriver)"])
        if configuration.networkDefaultMode == .bridge {
            // Another table's drop policy (ufw's FORWARD DROP) would drop what our table lets
            // through: say so and how to allow it; never edit the user's rules.
            let conflicts = (try? await BlockingWork.run { try Firewall.conflicts() }) ?? []
            for conflict in conflicts {
                logger.warning("host firewall: \(conflict)")
            }
        }
        notify("STATUS=opening the Store")
        // Opening the Store and the runtime reads and writes files: on a thread of its own.
        let plane: ControlPlane
        do {
            plane = try await BlockingWork.run {
                try LocalNode.controlPlane(configuration: configuration, proxy: proxy, logger: logger, cgroups: cgroups)
            }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cannot open the Store and the runtime: \(error)", cause: error)
        }
        let health = AgentHealth()
        let api = ControlAPI(plane: plane, health: health, logger: logger)
        let latch = ReadinessLatch(waitingFor: listen == nil ? 2 : 3) {
            health.markReady()
            notify("READY=1\nSTATUS=ready")
            logger.notice("ready", metadata: ["socket": "\(configuration.socketPath)"])
            onReady()
        }

        try prepareSocket(configuration.socketPath)
        let socketApp = Application(
            router: api.router(token: nil),
            configuration: .init(address: .unixDomainSocket(path: configuration.socketPath), serverName: "aicore-node"),
            onServerRunning: { _ in
                secureSocket(configuration, logger: logger)
                latch.arrive()
            },
            logger: logger)
        // ServiceGroup shuts services down in the reverse of this order, each once the one after
        // it has finished: no request or proxied connection reaches an instance being stopped.
        var services: [any Service] = [ControlPlaneService(plane: plane, latch: latch, logger: logger), proxy]
        services.append(socketApp)
        if let listen, let token {
            let address = ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: "aicore-node")
            if let tls {
                do {
                    _ = try NIOSSLContext(configuration: tls)
                } catch {
                    throw AICoreError(.badRequest, "cannot set up TLS: \(error)", cause: error)
                }
            }
            let server = GuardedServer.builder(tls: tls, limits: configuration.tcpLimits)
            services.append(Application(router: api.router(token: token), server: server, configuration: address,
                                        onServerRunning: { _ in latch.arrive() }, logger: logger))
        }
        if let interval = watchdogInterval() {
            services.append(WatchdogService(plane: plane, interval: interval))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw AICoreError(.internalError, "the agent stopped: \(error)", cause: error)
        }
        try? FileIO.removeFile(configuration.socketPath)
    }

    static func readToken(_ file: String) throws(AICoreError) -> String {
        let text: String
        do {
            text = try FileIO.readString(file)
        } catch {
            throw AICoreError(.badRequest, "cannot read the token file \(file): \(error)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16 else {
            throw AICoreError(.badRequest, "the token in \(file) is too short: use at least 16 random characters (e.g. `openssl rand -hex 32`)")
        }
        return token
    }

    static func parseListen(_ text: String) throws(AICoreError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw AICoreError(.badRequest, "--listen expects HOST:PORT, e.g. 127.0.0.1:7443, not \(text)")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Makes the socket's directory and removes a socket left by an agent that died (the state
    /// lock already proved no other agent runs here).
    static func prepareSocket(_ path: String) throws(AICoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileIO.makeDirectories(directory, mode: 0o755)
            try FileIO.removeFile(path)
        } catch {
            throw AICoreError(.internalError, "cannot prepare the socket \(path): \(error)", cause: error)
        }
    }

    /// 0660, group `socket_group` when that group exists (root only otherwise).
    static func secureSocket(_ configuration: AgentConfiguration, logger: Logger) {
        do {
            if let gid = FileIO.groupID(named: configuration.socketGroup) {
                try FileIO.setGroup(configuration.socketPath, gid: gid)
                try FileIO.setMode(configuration.socketPath, 0o660)
            } else {
                try FileIO.setMode(configuration.socketPath, 0o600)
                logger.notice("no group \(configuration.socketGroup): the socket is root-only (scripts/install.sh creates the group)")
            }
        } catch {
            logger.error("cannot secure the socket: \(error)")
        }
    }

    static func notify(_ state: String) {
        _ = try? SdNotify.notify(state)
    }

    /// Half of systemd's WatchdogSec, when it set one for this process.
    static func watchdogInterval() -> Duration? {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(usec / 2)
    }
}

/// Recovers the instances on start; lets them go (or stops them) on shutdown.
struct ControlPlaneService: Service {
    let plane: ControlPlane
    let latch: ReadinessLatch
    let logger: Logger

    func run() async throws {
        AgentProcess.notify("STATUS=recovering instances")
        do {
            try await plane.recover()
        } catch {
            logger.error("recovery failed: \(error)")
            throw error
        }
        latch.arrive()
        try? await gracefulShutdown()
        AgentProcess.notify("STOPPING=1\nSTATUS=shutting down")
        await plane.shutdown()
    }
}

/// Pings systemd's watchdog while the control plane answers: a hung agent stops pinging and
/// systemd restarts it.
struct WatchdogService: Service {
    let plane: ControlPlane
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await plane.operation("")
            AgentProcess.notify("WATCHDOG=1")
            try? await Task.sleep(for: interval)
        }
    }
}
