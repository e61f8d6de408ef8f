import AICoreSystem
import AsyncHTTPClient
import Foundation

/// A server a test starts (docker-registry, the token server): its output goes to a log file,
/// and `stop()` kills and reaps it, so that no process outlives the test run.
public struct ServerProcess: Sendable {
    public let name: String
    public let child: ChildProcess
    public let log: String

    public struct Failed: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    public static func start(_ name: String, _ executable: String, _ arguments: [String], log: String) throws -> ServerProcess {
        // The shell only redirects, then becomes the server (exec): the pid is the server's.
        let script = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1"
        let child = try ChildProcess.spawn("/bin/sh", ["-c", script, "sh", log, executable] + arguments, discardOutput: true)
        return ServerProcess(name: name, child: child, log: log)
    }

    /// Waits until `url` gives any HTTP answer; fails at once, with the log's end, if the
    /// server exits first.
    public func waitUntilAnswering(_ url: String) async throws {
        try await waitUntil("\(name) answers at \(url)", within: .seconds(60)) {
            guard child.isRunning else {
                throw Failed(description: "\(name) exited before answering; its log ends with:\n\(logTail())")
            }
            do {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                _ = try await response.body.collect(upTo: 1 << 20)
                return true
            } catch {
                return false
            }
        }
    }

    public func logTail() -> String {
        let bytes = (try? FileIO.readTail(log, maxBytes: 4000)) ?? nil
        return bytes.map { String(decoding: $0, as: UTF8.self) } ?? "(no log)"
    }

    /// SIGKILL and reap: these servers keep nothing worth a graceful stop.
    public func stop() async {
        child.signal(SIGKILL)
        let child = child
        _ = try? await offload { child.waitForExit() }
    }
}
