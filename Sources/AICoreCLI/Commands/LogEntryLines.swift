import AICoreServer
import Foundation

/// Splits a logs response (NDJSON, blank keep-alive lines) into entries as its chunks arrive.
enum LogEntryLines {
    static func forEach(in stream: AgentStream, _ body: (LogEntry) -> Void) async throws {
        try await stream.forEachLine { line in
            if let entry = try? ControlAPI.decoder.decode(LogEntry.self, from: Data(line)) {
                body(entry)
            } else if let overflow = try? ControlAPI.decoder.decode(StreamOverflowMessage.self, from: Data(line)) {
                throw CLIFailure.failed("logs: \(overflow.message)")
            }
        }
    }
}
