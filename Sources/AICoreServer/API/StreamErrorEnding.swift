/// How a streamed response ends when its source fails (or the agent shuts down under it).
enum StreamErrorEnding: Sendable {
    /// The body ends as if the source had: NDJSON and SSE streams, whose lines stand alone.
    case end
    /// The connection closes without the body's last chunk, so the client sees the body cut
    /// short: for a body that is one whole (an archive), which must never look complete when it
    /// is not. `report` is told why (the client cannot be).
    case abort(report: @Sendable (any Error) -> Void)
}
