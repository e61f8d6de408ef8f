import Foundation

/// A service's `logging: {driver, options}`: how its instances' output is kept.
///
/// Every driver but `none` keeps a size-rotated file in the instance's log directory, which
/// `aicore-node logs` reads: `json-file` writes Docker's JSON lines, `local` (and a service
/// without `logging`) CRI's timestamped lines, and `journald` keeps such a file too (Docker's
/// "dual logging" cache) while the agent forwards each line to the journal.
public struct LoggingSettings: Sendable, Hashable {
    public enum Driver: String, Sendable, Hashable, CaseIterable {
        case jsonFile = "json-file"
        case local
        case journald
        case none
    }

    /// nil: the node's default (CRI lines, 10 MiB × 3 files), with these options.
    public var driver: Driver?
    /// `max-size`: rotate when the file would grow past it.
    public var maxSize: LogSize?
    /// `max-file`: files kept, counting the current one (at least 1).
    public var maxFile: Int?
    /// `tag`: CONTAINER_TAG and SYSLOG_IDENTIFIER of journald's entries.
    public var tag: LogTag?

    public init(driver: Driver? = nil, maxSize: LogSize? = nil, maxFile: Int? = nil, tag: LogTag? = nil) {
        self.driver = driver
        self.maxSize = maxSize
        self.maxFile = maxFile
        self.tag = tag
    }

    /// The node's own limits, for a service without `logging` (and for `json-file`, which
    /// Docker leaves unbounded unless told: an unbounded log fills a small host's disk).
    public static let nodeDefaultMaxBytes: UInt64 = 10 << 20
    public static let nodeDefaultMaxFiles = 3
    /// Docker's `local` driver (and its journald cache): 20 MiB × 5 files.
    public static let localDefaultMaxBytes: UInt64 = 20 << 20
    public static let localDefaultMaxFiles = 5

    /// The rotation the instance's file gets: Docker's defaults for `local` (and the journald
    /// cache), the node's for the rest; with `max-size` alone one file, as Docker keeps.
    public var rotation: (maxBytes: UInt64, maxFiles: Int) {
        switch driver {
        case .local?, .journald?:
            return (maxSize?.bytes ?? Self.localDefaultMaxBytes, maxFile ?? Self.localDefaultMaxFiles)
        case .jsonFile?, nil, .none?:
            guard let maxSize else { return (Self.nodeDefaultMaxBytes, maxFile ?? Self.nodeDefaultMaxFiles) }
            return (maxSize.bytes, maxFile ?? 1)
        }
    }

    /// The options each driver applies; anything else written under `options` is reported.
    public static func applies(_ option: String, to driver: Driver?) -> Bool {
        switch driver {
        case .jsonFile?: return ["max-size", "max-file", "tag"].contains(option)
        case .local?, nil: return ["max-size", "max-file"].contains(option)
        case .journald?: return option == "tag"
        case .none?: return false
        }
    }

    /// Docker's drivers that need a service this node does not run (a syslog daemon, a
    /// collector, a cloud account): the loader says so and the stack does not start.
    public static let unavailableDrivers: Set<String> = [
        "syslog", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries", "loki",
    ]
}

/// `max-size`, as written and in bytes. Docker reads the units of `json-file`'s size as
/// decimal (`10m` = 10,000,000 bytes, go-units' FromHumanSize) and those of `local` as binary
/// (`10m` = 10 MiB, RAMInBytes); so does this.
public struct LogSize: Sendable, Hashable {
    public var text: String
    public var bytes: UInt64

    public init(text: String, bytes: UInt64) {
        self.text = text
        self.bytes = bytes
    }

    /// `10m`, `1g`, `100k`, `512kb`, `2MiB`, `1024` (case-insensitive); nil for anything else
    /// or zero.
    public init?(parsing text: String, decimal: Bool) {
        let source = text.trimmingCharacters(in: .whitespaces).lowercased()
        let number = source.prefix(while: { $0.isNumber || $0 == "." })
        var unit = Substring(source.dropFirst(number.count))
        if unit.hasPrefix(" ") { unit = unit.dropFirst() }
        if unit.hasSuffix("b") { unit = unit.dropLast() }
        if unit.hasSuffix("i") { unit = unit.dropLast() }
        let powers: [String: Int] = ["": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5]
        guard !number.isEmpty, number.first != ".", let value = Double(number), let power = powers[String(unit)] else { return nil }
        let base = decimal ? 1000.0 : 1024.0
        var total = value
        for _ in 0..<power { total *= base }
        guard total.isFinite, total >= 1, total < 1.8e19 else { return nil }
        self.init(text: text, bytes: UInt64(total.rounded(.down)))
    }
}
