/// A stream's consumer fell so far behind that its bounded buffer filled: the stream ended
/// instead of growing the agent's memory. Thrown at the end of the stream, after the lines
/// (or events) that were buffered.
public struct StreamOverflow: Error, Sendable, Equatable, CustomStringConvertible {
    /// How many items the buffer held.
    public var limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String {
        "the reader fell more than \(limit) behind; the stream was ended"
    }
}
