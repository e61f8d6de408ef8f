import AICoreTestSupport
import Foundation

/// A real PostgreSQL 15 from Debian, in a temporary directory, listening on a free 127.0.0.1
/// port with its unix socket in that directory. As root, every tool runs as `postgres`.
final class PostgresServer: Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "\(binaries)/postgres") }

    let directory: String
    let port: Int
    let user = "aicore"
    let password = "test-pa$$word"
    let database = "aicore_test"

    var dataDirectory: String { "\(directory)/data" }
    var socketDirectory: String { directory }
    var url: String {
        let escaped = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        return "postgres://\(user):\(escaped)@127.0.0.1:\(port)/\(database)"
    }

    /// initdb (password auth over TCP), start, create the database; on `port` if given.
    init(port: Int? = nil) throws {
        let template = "/tmp/aicore-sample-pg-XXXXXX"
        var path = Array(template.utf8CString)
        guard mkdtemp(&path) != nil else { throw POSIXFailure(call: "mkdtemp", errno: errno) }
        directory = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.port = try port ?? TestPort.next()
        do {
            try Self.chownToPostgres(directory)
            let passwordFile = "\(directory)/pwfile"
            try "\(password)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try Self.chownToPostgres(passwordFile)
            try run("\(Self.binaries)/initdb", [
                "-D", dataDirectory, "-U", user, "--pwfile=\(passwordFile)", "-E", "UTF8",
                "--auth-local=trust", "--auth-host=scram-sha-256",
            ])
            try run("\(Self.binaries)/pg_ctl", [
                "-D", dataDirectory, "-l", "\(directory)/postgres.log", "-w", "-t", "60",
                "-o", "-c listen_addresses=127.0.0.1 -c port=\(self.port) -c unix_socket_directories=\(socketDirectory) -c fsync=off",
                "start",
            ])
            try run("\(Self.binaries)/createdb", ["-h", socketDirectory, "-p", "\(self.port)", "-U", user, database])
        } catch {
            stop()
            throw error
        }
    }

    /// Runs SQL over the unix socket with psql and returns the unaligned result.
    func sql(_ statement: String) throws -> String {
        try run("/usr/bin/psql", ["-h", socketDirectory, "-p", "\(port)", "-U", user, "-d", database, "-tAc", statement])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once and removes its directory.
    func stop() {
        if FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") {
            _ = try? run("\(Self.binaries)/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let asPostgres = getuid() == 0
        let output = try ChildProcess.run(
            asPostgres ? "/usr/sbin/runuser" : tool, asPostgres ? ["-u", "postgres", "--", tool] + arguments : arguments,
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "PGCONNECT_TIMEOUT": "5"])
        guard output.status == 0 else {
            throw FixtureFailure(description: "\(tool) exited \(output.status): \(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }

    private static func chownToPostgres(_ path: String) throws {
        guard getuid() == 0 else { return }
        guard let entry = getpwnam("postgres") else { throw FixtureFailure(description: "no postgres user") }
        guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw POSIXFailure(call: "chown \(path)", errno: errno)
        }
    }
}
