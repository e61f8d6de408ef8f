import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A connection of its own for the readiness query, outside the pool: while PostgreSQL is down
/// the pool only makes a query wait, but a direct connect fails with the real reason
/// (connection refused, password authentication failed, database does not exist), which
/// `/health/ready` reports. Reconnects after any failure.
actor PostgresHealthConnection {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var connecting: Task<PostgresConnection, any Error>?
    private var nextID = 0

    init(url: DatabaseURL, connectTimeout: Duration, logger: Logger) {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: .disable)
        configuration.options.connectTimeout = .milliseconds(connectTimeout.milliseconds)
        self.configuration = configuration
        self.logger = logger
    }

    /// `SELECT 1` on the health connection, connecting first if needed.
    func ping() async throws {
        let connection = try await current()
        do {
            let rows = try await connection.query("SELECT 1", logger: logger)
            for try await value in rows.decode(Int.self) where value != 1 {
                throw PostgresReplyError(detail: "SELECT 1 returned \(value)")
            }
        } catch {
            await drop(connection)
            throw error
        }
    }

    func close() async {
        if let connection { await drop(connection) }
    }

    /// The open connection, or one being opened. Readiness checks overlap (the background monitor
    /// and `/health/ready` requests), and the actor is reentrant at every `await`: without the
    /// shared `connecting` task, two callers would each open a connection and the second
    /// assignment would drop the first unclosed.
    private func current() async throws -> PostgresConnection {
        if let connecting { return try await connecting.value }
        if let connection, !connection.isClosed { return connection }
        let stale = connection
        connection = nil
        nextID += 1
        let task = Task { [configuration, logger, id = nextID] in
            if let stale { try? await stale.close() }
            return try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
            ).get()
        }
        connecting = task
        defer { connecting = nil }
        let opened = try await task.value
        connection = opened
        return opened
    }

    private func drop(_ failed: PostgresConnection) async {
        try? await failed.close()
        if connection === failed { connection = nil }
    }
}
