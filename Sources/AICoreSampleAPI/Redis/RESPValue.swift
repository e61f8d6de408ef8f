import NIOCore

/// A RESP2 value, as Redis sends it.
public enum RESPValue: Equatable, Sendable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// nil is the null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// nil is the null array (`*-1`).
    case array([RESPValue]?)

    /// The text of a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let buffer?): return String(buffer: buffer)
        default: return nil
        }
    }
}
