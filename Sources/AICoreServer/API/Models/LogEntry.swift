import AICoreSupervisor

/// One log record of an instance, as `GET /v1/instances/{id}/logs` streams it (NDJSON).
public struct LogEntry: Codable, Sendable, Equatable {
    public var instance: String
    public var time: String
    /// `stdout` or `stderr`.
    public var stream: String
    public var text: String
    /// The workload wrote more than one record without a newline.
    public var partial: Bool?

    public init(instance: String, _ line: LogLine) {
        self.instance = instance
        time = line.time
        stream = line.stream.rawValue
        text = line.text
        partial = line.partial ? true : nil
    }
}
