/// Why a Redis command failed.
public enum RedisError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The server answered with an error reply (`-ERR ...`).
    case server(String)
    /// The reply does not follow RESP2.
    case protocolViolation(String)
    /// The connection closed before the reply came.
    case connectionClosed
    /// The reply has an unexpected type for this command.
    case unexpectedReply(command: String, reply: String)

    public var description: String {
        switch self {
        case .server(let message): return "redis: \(message)"
        case .protocolViolation(let detail): return "redis protocol violation: \(detail)"
        case .connectionClosed: return "redis connection closed"
        case .unexpectedReply(let command, let reply): return "redis \(command): unexpected reply \(reply)"
        }
    }
}
