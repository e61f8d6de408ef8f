import Logging
import PostgresNIO

/// The PostgreSQL side of the sample API: the `requests` table and the readiness query.
public final class RequestStore: Sendable {
    public let client: PostgresClient
    private let health: PostgresHealthConnection
    private let logger: Logger

    public init(url: DatabaseURL, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 4
        // The pool logs every failed connection attempt at info: keep that out of the request log
        // unless debugging. The readiness check says why PostgreSQL is unreachable.
        var poolLogger = logger
        poolLogger.logLevel = logger.logLevel <= .debug ? logger.logLevel : max(logger.logLevel, .warning)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.health = PostgresHealthConnection(url: url, connectTimeout: .seconds(1), logger: poolLogger)
        self.logger = logger
    }

    /// Creates the table if it is missing. Concurrent replicas may race on it: a failure is
    /// retried by the caller.
    public func ensureSchema() async throws {
        try await client.query(
            """
            CREATE TABLE IF NOT EXISTS requests (
                id serial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                instance text NOT NULL
            )
            """, logger: logger)
    }

    /// `SELECT 1`, a real round trip, on a connection of its own so a failure says why.
    public func ping() async throws {
        try await health.ping()
    }

    public func close() async {
        await health.close()
    }

    /// Records one request from `instance` and returns how many the table now holds.
    public func recordRequest(instance: String) async throws -> Int {
        try await client.withConnection { connection in
            try await connection.query("INSERT INTO requests (instance) VALUES (\(instance))", logger: logger)
            let rows = try await connection.query("SELECT count(*) FROM requests", logger: logger)
            for try await count in rows.decode(Int.self) {
                return count
            }
            throw PostgresReplyError(detail: "SELECT count(*) returned no row")
        }
    }
}

/// PostgreSQL answered, but not what the query should return.
public struct PostgresReplyError: Error, CustomStringConvertible, Sendable {
    public var detail: String
    public var description: String { "postgres: \(detail)" }
}
