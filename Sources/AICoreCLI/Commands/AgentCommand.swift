import AICoreErrors
import AICoreServer
import ArgumentParser
import Foundation
import Logging

/// `aicore-node agent`: the node agent, as systemd runs it (config/aicore-node.service).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the node agent: supervise stacks and serve the REST API.",
        discussion: """
            Reads --config (default /etc/aicore/aicore.yml when it exists), then the flags. Serves \
            /v1 on the unix socket (mode 0660, group aicore) and, with --listen and --token-file, \
            over TCP with a bearer token. On start it re-adopts every instance a previous agent \
            left running, without restarting any; under systemd it sends READY=1 once that is \
            done and its sockets are bound, and pings the watchdog.

            The service proxy is a process of its own (`aicore-node proxy`, output in \
            LOG_DIR/proxy.log) that the agent starts when none runs and re-adopts otherwise, so \
            connections through VIPs and published ports survive the agent's restart or kill -9.

            SIGTERM/SIGINT shut it down gracefully and leave every workload and the proxy running \
            for the next agent (unless `stop_workloads_on_exit: true`).
            """
    )

    @Option(name: .long, help: "The agent's config file.")
    var config: String?

    @Option(name: .long, help: "State directory: the Store, volumes (default /var/lib/aicore).")
    var stateDir: String?

    @Option(name: .long, help: "Instance runtime state (default /run/aicore; STATE_DIR/run with --state-dir).")
    var runDir: String?

    @Option(name: .long, help: "Instance logs (default /var/log/aicore; STATE_DIR/logs with --state-dir).")
    var logDir: String?

    @Option(name: .long, help: "The REST unix socket (default /run/aicore/aicore.sock).")
    var socket: String?

    @Option(name: .long, help: "Also serve REST over TCP on HOST:PORT (needs --token-file).")
    var listen: String?

    @Option(name: .long, help: "File holding the bearer token TCP clients must send.")
    var tokenFile: String?

    @Option(name: .long, help: "TLS certificate chain (PEM) for --listen.")
    var tlsCert: String?

    @Option(name: .long, help: "TLS private key (PEM) for --listen.")
    var tlsKey: String?

    @Flag(name: .long, help: "Stop every workload when the agent exits (default: leave them running).")
    var stopWorkloadsOnExit = false

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var configuration = AgentConfiguration()
        let configPath = config ?? (FileManager.default.fileExists(atPath: "/etc/aicore/aicore.yml") ? "/etc/aicore/aicore.yml" : nil)
        if let configPath {
            do {
                configuration = try AgentConfiguration.load(path: configPath)
            } catch {
                throw CLIFailure.invalid(error.description)
            }
        }
        if let stateDir { configuration = configuration.withStateDirectory(stateDir) }
        if let runDir { configuration.runDirectory = runDir }
        if let logDir { configuration.logDirectory = logDir }
        if let socket { configuration.socketPath = socket }
        if let listen { configuration.listen = listen }
        if let tokenFile { configuration.tokenFile = tokenFile }
        if let tlsCert { configuration.tlsCertificate = tlsCert }
        if let tlsKey { configuration.tlsKey = tlsKey }
        if stopWorkloadsOnExit { configuration.stopWorkloadsOnExit = true }
        guard getuid() == 0 else {
            throw CLIFailure.failed("the agent needs root (namespaces, cgroups, mounts); run it under systemd or with sudo")
        }
        let logger = AgentLogging.bootstrap(level: logLevel)
        do throws(AICoreError) {
            try await AgentProcess.run(configuration: configuration, proxy: ProxyProcessClient(launcher: .agent(configuration, logLevel: logLevel), stopOnExit: configuration.stopWorkloadsOnExit, logger: logger), logger: logger)
        } catch {
            throw CLIFailure(message: error.message, code: error.httpProblem.status == 400 ? ExitStatus.invalidInput : ExitStatus.failure)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum AgentLogging {
    /// swift-log, once per process, to stderr (the journal under systemd).
    static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "aicore.agent")
        logger.logLevel = level
        return logger
    }
}
