import AICoreServer
import Foundation

/// Splits a logs response (NDJSON, blank keep-alive lines) into entries as its chunks arrive.
enum LogEntryLines {
    static func forEach(in stream: AgentStream, _ body: (LogEntry) -> Void) async throws {
        var pending: [UInt8] = []
        for try await chunk in stream.chunks {
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard !line.isEmpty else { continue }
                if let entry = try? ControlAPI.decoder.decode(LogEntry.self, from: Data(line)) {
                    body(entry)
                } else if let overflow = try? ControlAPI.decoder.decode(StreamOverflowMessage.self, from: Data(line)) {
                    throw CLIFailure.failed("logs: \(overflow.message)")
                }
            }
        }
    }
}
