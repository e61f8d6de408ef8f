import AICoreTestSupport
import Foundation

/// The real `aicore-sample-api` binary, built beside the test bundle, on a free loopback port.
/// Its stdout and stderr go to a file, so a chatty server can never fill a pipe and stall.
final class SampleAPIProcess: Sendable {
    let port: Int
    let logFile: String
    let child: ChildProcess

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["AICORE_SAMPLE_API_BIN"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("aicore-sample-api").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("aicore-sample-api").path
    }

    /// Starts the API with `environment` added to HOST, PORT and PATH.
    init(environment: [String: String]) throws {
        port = try TestPort.next()
        logFile = "/tmp/aicore-sample-api-\(getpid())-\(port).log"
        var full = ["PATH": "/usr/bin:/bin", "HOST": "127.0.0.1", "PORT": "\(port)"]
        full.merge(environment) { _, new in new }
        // The shell execs the API, so the pid is the API's own.
        child = try ChildProcess.spawn(
            "/bin/sh", ["-c", "exec \"$0\" >\"$1\" 2>&1", Self.binary, logFile], environment: full, discardOutput: true)
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The exit status once the process ended, or nil while it runs (non-blocking).
    func exitStatus() -> ChildProcess.Termination? {
        var status: Int32 = 0
        let result = waitpid(child.pid, &status, WNOHANG)
        guard result == child.pid else { return nil }
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(status & 0x7f)
    }

    /// Waits, with a deadline, for the process to exit.
    func waitForExit(within deadline: Duration) async -> ChildProcess.Termination? {
        var termination: ChildProcess.Termination?
        _ = await eventually(within: deadline) {
            termination = termination ?? exitStatus()
            return termination != nil
        }
        return termination
    }

    /// GET with a client-side timeout.
    /// The bound is for an API that hangs, not a speed check: a loaded 2-core machine can take seconds.
    func get(_ path: String, timeout: Duration = .seconds(30)) async throws -> HTTPProbe.Response {
        try await HTTPProbe.request("GET", port: port, path: path, timeout: timeout)
    }

    /// Polls until `path` answers `status`, within the deadline.
    func waitFor(_ path: String, status: Int, within deadline: Duration = .seconds(30)) async -> Bool {
        await eventually(within: deadline) {
            (try? await get(path, timeout: .seconds(3)).status) == status
        }
    }

    /// Kills the process if it still runs, reaps it and removes the log.
    func kill() {
        if exitStatus() == nil {
            child.signal(SIGKILL)
            child.waitForExit()
        }
        try? FileManager.default.removeItem(atPath: logFile)
    }
}
