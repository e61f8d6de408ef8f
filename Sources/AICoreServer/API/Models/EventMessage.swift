import AICoreStore

/// One event: a state change or a note, with its reason.
public struct EventMessage: Codable, Sendable, Equatable {
    public var id: Int64?
    public var time: String
    public var stack: String
    public var service: String
    public var instance: String
    public var type: String
    public var reason: String

    public init(_ record: EventRecord) {
        id = record.id
        time = record.time
        stack = record.stack
        service = record.service
        instance = record.instance
        type = record.type
        reason = record.reason
    }
}
