import Foundation

/// One record of an instance log (CRI format: `<RFC 3339 time> stdout|stderr F|P <text>`).
public struct LogLine: Sendable, Equatable {
    public enum Stream: String, Sendable {
        case stdout, stderr
    }

    public var time: String
    public var stream: Stream
    /// `P`: the workload wrote more than one record's worth without a newline.
    public var partial: Bool
    public var text: String

    public init(time: String, stream: Stream, partial: Bool = false, text: String) {
        self.time = time
        self.stream = stream
        self.partial = partial
        self.text = text
    }

    /// Parses one line of the file, in CRI's format or as Docker's json-file writes it
    /// (`{"log":"text\n","stream":"stdout","time":"…"}`, a `log` without its newline being a
    /// partial line); nil for anything else.
    public init?(parsing line: Substring) {
        if line.first == "{" {
            guard let record = try? JSONDecoder().decode(JSONRecord.self, from: Data(line.utf8)),
                let stream = Stream(rawValue: record.stream)
            else { return nil }
            let full = record.log.hasSuffix("\n")
            self.init(time: record.time, stream: stream, partial: !full, text: full ? String(record.log.dropLast()) : record.log)
            return
        }
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let stream = Stream(rawValue: String(parts[1])), parts[2] == "F" || parts[2] == "P" else { return nil }
        self.init(time: String(parts[0]), stream: stream, partial: parts[2] == "P", text: parts.count == 4 ? String(parts[3]) : "")
    }

    /// One line of Docker's json-file format.
    private struct JSONRecord: Decodable {
        var log: String
        var stream: String
        var time: String
    }

    /// As `logs` prints it: the text, after the time with `timestamps`.
    public func formatted(timestamps: Bool) -> String {
        timestamps ? "\(time) \(text)" : text
    }
}
