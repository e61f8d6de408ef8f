import AICoreErrors
import AICoreOS
import AICoreSystem
import Foundation
import Logging

/// Finds the agent's proxy process (`aicore-node proxy --control PATH`) or starts one, detached,
/// and stops it when the agent is to take everything down with it.
///
/// Its pid is in `pidFile`, its control socket at `controlPath` (both in the agent's run
/// directory), its output in `logFile` (in the agent's log directory).
public struct ProxyProcessLauncher: Sendable {
    public var executable: String
    public var controlPath: String
    public var pidFile: String
    public var logFile: String
    public var eventLoops: Int?
    public var logLevel: Logger.Level

    public init(executable: String, controlPath: String, pidFile: String, logFile: String, eventLoops: Int? = nil,
                logLevel: Logger.Level = .info) {
        self.executable = executable
        self.controlPath = controlPath
        self.pidFile = pidFile
        self.logFile = logFile
        self.eventLoops = eventLoops
        self.logLevel = logLevel
    }

    /// The agent's: this very binary, its files in the run and log directories.
    public static func agent(_ configuration: AgentConfiguration, logLevel: Logger.Level) -> ProxyProcessLauncher {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return ProxyProcessLauncher(executable: executable,
                                    controlPath: configuration.runDirectory + "/proxy.sock",
                                    pidFile: configuration.runDirectory + "/proxy.pid",
                                    logFile: configuration.logDirectory + "/proxy.log",
                                    eventLoops: configuration.proxyEventLoops, logLevel: logLevel)
    }

    /// The pid of the proxy process serving `controlPath`: the one the pid file names, or one
    /// found in /proc (a pid file lost or overwritten must not lead to a second proxy fighting
    /// the first for its ports; the pid file is written again).
    public func running() -> pid_t? {
        if let text = try? FileIO.readString(pidFile),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           DetachedProcess.isRunning(pid, executable: executable, argument: controlPath) {
            return pid
        }
        guard let found = DetachedProcess.find(["proxy", "--control", controlPath]).first else { return nil }
        try? FileIO.write(pidFile, "\(found)\n", mode: 0o644)
        return found
    }

    /// Returns once a proxy process runs and its control socket exists, starting one if none does.
    public func ensureRunning(logger: Logger) async throws(AICoreError) {
        if running() != nil, FileManager.default.fileExists(atPath: controlPath) { return }
        let pid: pid_t
        do {
            try FileIO.makeDirectories((controlPath as NSString).deletingLastPathComponent, mode: 0o755)
            try FileIO.makeDirectories((logFile as NSString).deletingLastPathComponent, mode: 0o755)
            if let stale = running() {
                // Running without its socket: it is not one we can drive.
                kill(stale, SIGKILL)
            }
            try? FileIO.removeFile(controlPath)
            var arguments = ["proxy", "--control", controlPath, "--log-level", logLevel.rawValue]
            if let eventLoops { arguments += ["--event-loops", String(eventLoops)] }
            pid = try DetachedProcess.spawn(executable, arguments, log: logFile)
            try FileIO.write(pidFile, "\(pid)\n", mode: 0o644)
        } catch {
            throw AICoreError(.spawnFailed, "cannot start the proxy process: \(error)", cause: error)
        }
        logger.notice("started the proxy process", metadata: ["pid": "\(pid)", "log": "\(logFile)"])
        // It binds its socket within milliseconds; bounded, in case it fails to start.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: controlPath) { return }
            guard DetachedProcess.isRunning(pid, executable: executable, argument: controlPath) else { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        throw AICoreError(.spawnFailed, "the proxy process did not open \(controlPath); see \(logFile)")
    }

    /// SIGTERM to the proxy process (its listeners and connections close), SIGKILL if it is
    /// still there after `grace`; then the pid file goes.
    public func stop(grace: Duration = .seconds(10)) async {
        if let pid = running() {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + grace
            while DetachedProcess.isRunning(pid, executable: executable, argument: controlPath) {
                guard ContinuousClock.now < deadline else {
                    kill(pid, SIGKILL)
                    break
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        try? FileIO.removeFile(pidFile)
    }
}
