/// One event of a `text/event-stream` body.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field, `message` when the event had none.
    public var event: String
    /// The `data:` lines, joined with `\n`.
    public var data: String
    /// The last event ID seen so far (per the WHATWG rules it carries over to later events);
    /// nil when none was set or it was reset with an empty `id:`.
    public var id: String?

    public init(event: String = "message", data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}
