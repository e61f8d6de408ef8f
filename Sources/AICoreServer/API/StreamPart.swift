import NIOCore

/// What the writer of a streamed response is given, in order.
enum StreamPart: Sendable {
    case chunk(ByteBuffer)
    case heartbeat
    /// The source ended.
    case end
    /// The source ended with `StreamOverflow`.
    case overflow
    /// The source failed, and the response is to be cut short (`StreamErrorEnding.abort`).
    case failed(any Error)
}
