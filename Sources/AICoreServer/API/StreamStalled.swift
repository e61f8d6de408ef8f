/// The client of a streamed response took nothing for the stall timeout: it was dropped.
struct StreamStalled: Error, CustomStringConvertible {
    var description: String { "the client took nothing for too long: its stream was ended" }
}
