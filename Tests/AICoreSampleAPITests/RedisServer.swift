import AICoreTestSupport
import Foundation
import Synchronization

/// A real redis-server from Debian on a free 127.0.0.1 port, without persistence. It can be
/// stopped and started again on the same port.
final class RedisServer: Sendable {
    static let binary = "/usr/bin/redis-server"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let port: Int
    private let child = Mutex<ChildProcess?>(nil)

    var url: String { "redis://127.0.0.1:\(port)" }

    init(port: Int? = nil) throws {
        self.port = try port ?? TestPort.next()
        try start()
    }

    /// Starts the server and waits until it answers PING.
    func start() throws {
        let process = try ChildProcess.spawn(
            Self.binary,
            ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
            environment: ["PATH": "/usr/bin:/bin"], discardOutput: true)
        child.withLock { $0 = process }
        let clock = ContinuousClock()
        let end = clock.now + .seconds(20)
        while clock.now < end {
            if (try? cli(["PING"])) == "PONG" { return }
            usleep(20_000)
        }
        stop()
        throw FixtureFailure(description: "redis-server on port \(port) did not answer PING within 20s")
    }

    /// SIGTERM and reap; a no-op when stopped.
    func stop() {
        guard let process = child.withLock({ state -> ChildProcess? in
            defer { state = nil }
            return state
        }) else { return }
        process.signal(SIGTERM)
        process.waitForExit()
    }

    func cli(_ arguments: [String]) throws -> String {
        let output = try ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)"] + arguments)
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
