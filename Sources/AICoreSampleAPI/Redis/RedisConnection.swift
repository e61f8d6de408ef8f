import NIOCore
import NIOPosix

/// One TCP connection to Redis. Commands may be sent from any task; replies come back in order.
public final class RedisConnection: Sendable {
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects, then authenticates and selects the database when the URL asks for it.
    public static func connect(
        to url: RedisURL, timeout: Duration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(.milliseconds(timeout.milliseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPDecoder()), RedisCommandHandler())
                }
            }
            .connect(host: url.host, port: url.port)
            .get()
        let connection = RedisConnection(channel: channel)
        do {
            if let password = url.password {
                try connection.expectOK(try await connection.send(["AUTH", password], timeout: timeout), "AUTH")
            }
            if let database = url.database {
                try connection.expectOK(try await connection.send(["SELECT", "\(database)"], timeout: timeout), "SELECT")
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    public var isActive: Bool { channel.isActive }

    /// Sends one command and waits for its reply. On a timeout the connection is closed, since the
    /// server is not answering.
    public func send(_ arguments: [String], timeout: Duration) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisRequest(arguments: arguments, promise: promise)).cascadeFailure(to: promise)
        let future = promise.futureResult
        do {
            let reply = try await withDeadline(timeout, "redis \(arguments.first ?? "")") { try await future.get() }
            if case .error(let message) = reply { throw RedisError.server(message) }
            return reply
        } catch let error as DeadlineExceeded {
            close()
            throw error
        }
    }

    public func close() {
        channel.close(promise: nil)
    }

    private func expectOK(_ reply: RESPValue, _ command: String) throws {
        guard reply == .simpleString("OK") else {
            throw RedisError.unexpectedReply(command: command, reply: "\(reply)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
