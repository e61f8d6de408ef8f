import AICoreOS
import AICoreServer
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `aicore-node proxy`: the service proxy as a process of its own, which the agent starts once
/// and re-adopts, so connections through VIPs and published ports outlive agent restarts.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "[internal] The service proxy, started and driven by the agent.",
        discussion: """
            The agent starts it (detached, in a session of its own) when none runs, and drives it \
            over the unix socket --control (mode 0600) with JSON lines: the routes to serve, \
            backend changes, and counters pushed back. When the agent goes (restart, upgrade, \
            kill -9) it keeps its listeners and every open connection, and the next agent sends \
            its routes again. SIGTERM or SIGINT close every listener and connection and exit.

            Before anything else it keeps only CAP_NET_BIND_SERVICE (from the bounding set too), \
            sets no_new_privs, loads the workloads' default seccomp profile (Docker's) and execs \
            itself again, so every thread runs locked down. It stays root: its control socket, pid \
            file and log are root's.
            """,
        shouldDisplay: false
    )

    @Option(name: .long, help: "The control socket to serve.")
    var control: String

    @Option(name: .long, help: "Event loop threads (default: one per core).")
    var eventLoops: Int?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        guard getuid() == 0 else {
            throw CLIFailure.failed("the proxy runs as root, started by the agent")
        }
        // It binds (ports below 1024 too) and connects; nothing else.
        let keep = CapabilitySet(Capability.number(named: "CAP_NET_BIND_SERVICE").map { [$0] } ?? [])
        if !ProcessLockdown.isLockedDown(to: keep, filtered: true) {
            do {
                // The profile every workload gets by default: sockets, epoll, threads and files are
                // all in it; mount, bpf, keyctl, new namespaces and the like are not.
                let filter = try SeccompFilter.compile(.dockerDefault, capabilities: keep)
                try ProcessLockdown.lockDownAndReexec(keeping: keep, filter: filter)
            } catch {
                throw CLIFailure.failed("cannot lock the proxy down: \(error)")
            }
        }
        umask(0o077)
        _ = AgentLogging.bootstrap(level: logLevel)
        var logger = Logger(label: "aicore.proxy")
        logger.logLevel = logLevel
        let proxy = ServiceProxy(eventLoops: eventLoops, logger: logger)
        let server = ProxyControlServer(proxy: proxy, path: control, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [proxy, server], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        do {
            try await group.run()
        } catch {
            throw CLIFailure.failed("the proxy stopped: \(error)")
        }
    }
}
