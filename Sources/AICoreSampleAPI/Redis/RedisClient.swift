import Logging
import NIOCore

/// A Redis client over one lazily opened connection. A failed or closed connection is dropped
/// and the next command reconnects, so Redis may come and go while the API runs.
public actor RedisClient {
    public let url: RedisURL
    public let timeout: Duration
    private let logger: Logger
    private var connection: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?

    public init(url: RedisURL, timeout: Duration = .seconds(1), logger: Logger) {
        self.url = url
        self.timeout = timeout
        self.logger = logger
    }

    /// Sends a command, connecting first if needed.
    public func send(_ arguments: [String]) async throws -> RESPValue {
        let connection = try await currentConnection()
        do {
            return try await connection.send(arguments, timeout: timeout)
        } catch let error as RedisError {
            // A server error reply leaves the connection usable; anything else does not.
            if case .server = error {} else { drop(connection) }
            throw error
        } catch {
            drop(connection)
            throw error
        }
    }

    public func ping() async throws {
        let reply = try await send(["PING"])
        guard reply == .simpleString("PONG") else { throw RedisError.unexpectedReply(command: "PING", reply: "\(reply)") }
    }

    public func increment(_ key: String) async throws -> Int {
        let reply = try await send(["INCR", key])
        guard case .integer(let value) = reply else { throw RedisError.unexpectedReply(command: "INCR", reply: "\(reply)") }
        return value
    }

    public func get(_ key: String) async throws -> String? {
        let reply = try await send(["GET", key])
        switch reply {
        case .bulkString(nil): return nil
        case .bulkString(let buffer?): return String(buffer: buffer)
        default: throw RedisError.unexpectedReply(command: "GET", reply: "\(reply)")
        }
    }

    public func set(_ key: String, _ value: String) async throws {
        let reply = try await send(["SET", key, value])
        guard reply == .simpleString("OK") else { throw RedisError.unexpectedReply(command: "SET", reply: "\(reply)") }
    }

    public func close() {
        connecting?.cancel()
        connection?.close()
        connection = nil
    }

    private func currentConnection() async throws -> RedisConnection {
        if let connection, connection.isActive { return connection }
        connection = nil
        // One connection attempt at a time, shared by every caller waiting for it.
        if let connecting { return try await connecting.value }
        let url = url
        let timeout = timeout
        let task = Task { try await RedisConnection.connect(to: url, timeout: timeout) }
        connecting = task
        defer { connecting = nil }
        let opened = try await task.value
        connection = opened
        logger.debug("connected to redis", metadata: ["host": "\(url.host)", "port": "\(url.port)"])
        return opened
    }

    private func drop(_ failed: RedisConnection) {
        failed.close()
        if connection === failed { connection = nil }
    }
}
