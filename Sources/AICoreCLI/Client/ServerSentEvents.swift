/// Turns a stream of body chunks (from ``AgentClient/stream(_:_:body:contentType:timeout:)``)
/// into server-sent events.
public enum ServerSentEvents {
    /// Events as their blank lines arrive. The result ends when `chunks` ends (a trailing
    /// event without its blank line is dropped) and throws what `chunks` throws; cancelling
    /// or abandoning its iteration stops reading `chunks`.
    public static func parse<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks
    ) -> AsyncThrowingStream<ServerSentEvent, any Error> where Chunks.Element == [UInt8] {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ServerSentEvent.self, throwing: (any Error).self)
        let reader = Task {
            var parser = ServerSentEventParser()
            do {
                for try await chunk in chunks {
                    for event in parser.feed(chunk) {
                        continuation.yield(event)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return events
    }
}
