/// The last line of a followed log (NDJSON) or the `overflow` event of `/v1/events` (SSE):
/// the client fell so far behind that the agent ended the stream rather than buffer more.
public struct StreamOverflowMessage: Codable, Sendable, Equatable {
    /// Always true: tells this line from a log entry.
    public var overflow: Bool
    public var message: String

    public init(message: String) {
        overflow = true
        self.message = message
    }
}
