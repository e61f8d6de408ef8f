/// The journal fields of one log line of a `logging: {driver: journald}` instance, named as
/// Docker's journald driver names them, so that `journalctl CONTAINER_NAME=<instance>` and
/// tools written for Docker find them.
public struct JournalEntry: Sendable, Equatable {
    /// What every line of an instance carries.
    public struct Source: Sendable, Equatable {
        /// The instance (`<stack>-<service>-<n>`): CONTAINER_NAME, and CONTAINER_ID and
        /// CONTAINER_ID_FULL too, as instances have no hexadecimal IDs.
        public var instance: String
        public var stack: String
        public var service: String
        /// `logging.options.tag` rendered (default `{{.ID}}`, the instance's name):
        /// CONTAINER_TAG and SYSLOG_IDENTIFIER.
        public var tag: String
        /// The service's image, when it has one: IMAGE_NAME.
        public var imageName: String?

        public init(instance: String, stack: String, service: String, tag: String, imageName: String? = nil) {
            self.instance = instance
            self.stack = stack
            self.service = service
            self.tag = tag
            self.imageName = imageName
        }
    }

    /// `NAME=value` fields for sd_journal_sendv. PRIORITY is 6 (info) for stdout and 3 (err)
    /// for stderr, as Docker's. The time the init read the line is kept in AICORE_LOG_TIME:
    /// journald stamps an entry when it arrives, which for lines forwarded after an agent
    /// restart is later than they were written.
    public static func fields(_ line: LogLine, from source: Source) -> [String] {
        var fields = [
            "MESSAGE=" + line.text,
            "PRIORITY=" + (line.stream == .stderr ? "3" : "6"),
            "CONTAINER_NAME=" + source.instance,
            "CONTAINER_ID=" + source.instance,
            "CONTAINER_ID_FULL=" + source.instance,
            "CONTAINER_TAG=" + source.tag,
            "SYSLOG_IDENTIFIER=" + source.tag,
        ]
        if let image = source.imageName { fields.append("IMAGE_NAME=" + image) }
        // Docker marks a line the workload wrote past one record's size without a newline.
        if line.partial { fields.append("CONTAINER_PARTIAL_MESSAGE=true") }
        fields += ["AICORE_STACK=" + source.stack, "AICORE_SERVICE=" + source.service, "AICORE_LOG_TIME=" + line.time]
        return fields
    }
}

/// Where a journald-driver instance's lines go: the host's journal in the agent, a fake in tests.
public protocol JournalSink: Sendable {
    /// Sends one entry; blocking (called from the forwarder's thread).
    func send(_ fields: [String]) throws
}

/// A journald-driver instance's forwarding: what its lines carry and where they go.
public struct JournalForwarding: Sendable {
    public var source: JournalEntry.Source
    public var sink: any JournalSink
    public init(source: JournalEntry.Source, sink: any JournalSink) {
        self.source = source
        self.sink = sink
    }
}
