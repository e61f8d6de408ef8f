import Hummingbird

/// The response's writer, handed to the child task that writes while the stall watch runs
/// beside it.
final class StreamWriterBox: @unchecked Sendable {
    // @unchecked: one task uses the writer at a time. The writing child task while the task
    // group runs; the response's own task only after the group (and so that child) ended.
    var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) {
        self.writer = writer
    }
}
