/// Splits a `text/event-stream` body into events, following the WHATWG HTML
/// "event stream interpretation" rules:
///
/// - lines end with CRLF, LF or CR, also when split across chunks; a leading BOM is skipped;
/// - a blank line dispatches the event; an event with no `data` is not dispatched;
/// - lines starting with `:` are comments; `field: value` drops one space after the colon;
///   a line without a colon is a field with an empty value; unknown fields (and `retry`) are ignored;
/// - an event not ended by a blank line when the body ends is dropped.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var atStart = true
    private var eventType = ""
    private var data = ""
    private var hasData = false
    private var lastEventID = ""

    public init() {}

    /// Feeds the next bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                lastWasCR = true
                endLine(into: &events)
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if atStart {
            atStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            dispatch(into: &events)
            return
        }
        if bytes.first == UInt8(ascii: ":") { return }
        let field: String
        var value: Substring
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            value = Substring(String(decoding: bytes[(colon + 1)...], as: UTF8.self))
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event":
            eventType = String(value)
        case "data":
            if hasData { data += "\n" }
            data += value
            hasData = true
        case "id":
            if !value.contains("\0") { lastEventID = String(value) }
        default:
            break
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            eventType = ""
            data = ""
            hasData = false
        }
        guard hasData else { return }
        events.append(
            ServerSentEvent(
                event: eventType.isEmpty ? "message" : eventType,
                data: data,
                id: lastEventID.isEmpty ? nil : lastEventID))
    }
}
